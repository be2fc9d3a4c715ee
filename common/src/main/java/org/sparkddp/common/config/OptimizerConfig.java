package org.sparkddp.common.config;

import java.io.Serializable;

/**
 * The {@code optimizer} section.
 *
 * @param name         which optimizer
 * @param learningRate step size, > 0
 */
public record OptimizerConfig(OptimizerName name, double learningRate) implements Serializable {
    public OptimizerConfig {
        Checks.present("optimizer.name", name);
        Checks.positiveFinite("optimizer.learning-rate", learningRate);
    }
}
