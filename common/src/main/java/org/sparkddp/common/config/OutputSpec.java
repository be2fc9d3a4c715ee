package org.sparkddp.common.config;

import java.io.Serializable;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code model.output} section: the output layer's activation and the loss it is trained with. Its width comes
 * from the data (classes, or target columns).
 */
public record OutputSpec(ActivationName activation, LossName loss) implements Serializable {
    public OutputSpec {
        Checks.present("model.output.activation", activation);
        Checks.present("model.output.loss", loss);
        if (loss.requiredActivation() != null && loss.requiredActivation() != activation) {
            throw new InvalidConfigException("model.output.activation", "must be "
                    + loss.requiredActivation().configName() + " with model.output.loss = " + loss.configName()
                    + " but got " + activation.configName());
        }
        if (activation.learnable()) {
            throw new InvalidConfigException("model.output.activation", "prelu is for hidden layers only");
        }
    }
}
