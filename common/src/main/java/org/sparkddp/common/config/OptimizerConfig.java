package org.sparkddp.common.config;

import java.io.Serializable;

/**
 * The {@code optimizer} section.
 *
 * @param updater            the optimizer and its own hyper-parameters
 * @param learningRate       step size at iteration 0 (before any warmup and schedule), > 0
 * @param schedule           how the step size changes with the iteration
 * @param clipNorm           each layer's gradient is scaled down to at most this L2 norm; null: no clipping
 * @param referenceBatchSize null, or the linear scaling rule (Goyal et al. 2017, "Accurate, Large Minibatch SGD"):
 *                           the learning rate is {@code learningRate * batchSize / referenceBatchSize}
 */
public record OptimizerConfig(UpdaterSpec updater, double learningRate, ScheduleSpec schedule, Double clipNorm,
                              Integer referenceBatchSize) implements Serializable {
    public OptimizerConfig {
        Checks.present("optimizer.name", updater);
        Checks.positiveFinite("optimizer.learning-rate", learningRate);
        Checks.present("optimizer.schedule", schedule);
        // NOTE: nullable fields, not OptionalDouble: this record travels to executors by Java serialization.
        if (clipNorm != null) {
            Checks.positiveFinite("optimizer.clip-norm", clipNorm);
        }
        if (referenceBatchSize != null) {
            Checks.positive("optimizer.reference-batch-size", referenceBatchSize);
        }
    }

    public OptimizerName name() {
        return updater.name();
    }

    /** The learning rate at iteration 0 for a global batch of {@code batchSize}, after the linear scaling rule. */
    public double scaledLearningRate(int batchSize) {
        return referenceBatchSize != null ? learningRate * batchSize / referenceBatchSize : learningRate;
    }
}
