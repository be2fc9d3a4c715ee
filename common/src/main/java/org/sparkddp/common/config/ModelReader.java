package org.sparkddp.common.config;

import org.sparkddp.common.error.InvalidConfigException;

/** Reads the {@code model} section (the layers themselves through {@link LayerReader}). Runs on the driver. */
final class ModelReader {
    private ModelReader() {
    }

    static ModelConfig read(TypedReader r) {
        ActivationName activation = r.choice("model.activation", ActivationName.class);
        WeightInitName weightInit = r.choice("model.weight-init", WeightInitName.class);
        if (weightInit != WeightInitName.NORMAL && r.isSet("model.weight-init-std")) {
            throw new InvalidConfigException("model.weight-init-std", r.whereIs("model.weight-init-std"),
                    "applies only when model.weight-init = normal, but it is " + weightInit.configName());
        }
        return new ModelConfig(
                LayerReader.read(r, activation),
                weightInit,
                r.number("model.weight-init-std"),
                r.number("model.l1"),
                r.number("model.l2"),
                output(r));
    }

    /** The output layer; a loss that does not suit the activation is located at whichever of the two the user set. */
    private static OutputSpec output(TypedReader r) {
        try {
            return new OutputSpec(r.choice("model.output.activation", ActivationName.class),
                    r.choice("model.output.loss", LossName.class));
        } catch (InvalidConfigException e) {
            String set = r.isSet("model.output.activation") ? "model.output.activation" : "model.output.loss";
            throw e.where().isEmpty() && r.isSet(set) ? e.locatedAt(r.whereIs(set)) : e;
        }
    }
}
