package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.List;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code model} section: the layers, input side first, then the output layer, whose width comes from the data.
 *
 * @param layers        the hidden layers (may be empty: a linear or softmax regression)
 * @param weightInit    how weights are initialized
 * @param weightInitStd standard deviation of the {@code normal} initialization
 * @param l1            L1 penalty on weights (not biases), added to the loss
 * @param l2            L2 penalty on weights (not biases), added to the loss
 * @param output        the output layer
 */
public record ModelConfig(List<LayerSpec> layers, WeightInitName weightInit, double weightInitStd, double l1, double l2,
                          OutputSpec output) implements Serializable {
    public ModelConfig {
        layers = List.copyOf(layers);
        Checks.present("model.weight-init", weightInit);
        Checks.positiveFinite("model.weight-init-std", weightInitStd);
        nonNegative("model.l1", l1);
        nonNegative("model.l2", l2);
        Checks.present("model.output", output);
        if (layers.stream().anyMatch(l -> l instanceof LayerSpec.Residual)) {
            for (LayerSpec layer : layers) {
                if (layer.activation() == ActivationName.PRELU) {
                    // NOTE: measured: DL4J 1.0.0-M2's PReLU backward op fails its own validation inside a graph.
                    throw new InvalidConfigException(layer.key() + ".activation", "prelu is not available in a network"
                            + " with residual blocks (DL4J 1.0.0-M2 cannot train PReLU inside a ComputationGraph)");
                }
            }
        }
    }


    /** Whether the network needs a DL4J ComputationGraph (a residual block's shortcut is not a chain). */
    public boolean isGraph() {
        return layers.stream().anyMatch(l -> l instanceof LayerSpec.Residual);
    }

    private static void nonNegative(String key, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new InvalidConfigException(key, "must be a finite number >= 0 but got " + value);
        }
    }
}
