package org.sparkddp.common.model;

import java.io.Serializable;
import org.sparkddp.common.config.ModelConfig;
import org.sparkddp.common.config.OptimizerConfig;

/**
 * Everything needed to build the same network anywhere: the driver sends this to the executors, which build
 * their resident replicas from it. Small and immutable, so it travels inside task closures.
 *
 * @param model      the layers
 * @param optimizer  the updater
 * @param seed       weight initialization seed
 * @param numInputs  features per example (from the data)
 * @param numClasses classes (from the data)
 */
public record NetworkSpec(ModelConfig model, OptimizerConfig optimizer, long seed, int numInputs, int numClasses)
        implements Serializable {
    public NetworkSpec {
        if (numInputs <= 0 || numClasses <= 1) {
            throw new IllegalArgumentException("need > 0 inputs and > 1 classes, got " + numInputs + " and " + numClasses);
        }
    }
}
