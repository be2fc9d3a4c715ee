package org.sparkddp.common.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code training} section. Read on the driver; executors get only what a stage needs.
 *
 * @param mode               how workers combine their work
 * @param averageEvery       in average mode, local optimizer steps between parameter averages
 * @param shardedOptimizer   in sync mode, each worker applies the optimizer to its slice of the parameters only
 * @param workers            number of data shards, i.e. parallel gradient computations
 * @param batchSize          global minibatch size, split across the workers
 * @param epochs             passes over the training data
 * @param seed               root of every random choice (weights, shards, shuffles)
 * @param maxIterations      optional cap on the number of optimizer steps
 * @param iterationsPerStage optional stage length in iterations; empty means one stage per epoch
 * @param syncTimeout        longest wait for peers in one synchronization step
 * @param stageAttempts      times a stage is submitted before its task failures end the job
 */
public record TrainingConfig(
        TrainingMode mode,
        int averageEvery,
        boolean shardedOptimizer,
        int workers,
        int batchSize,
        int epochs,
        long seed,
        OptionalLong maxIterations,
        OptionalInt iterationsPerStage,
        Duration syncTimeout,
        int stageAttempts) implements Serializable {

    public TrainingConfig {
        Checks.present("training.mode", mode);
        Checks.positive("training.average-every", averageEvery);
        Checks.positive("training.workers", workers);
        Checks.positive("training.batch-size", batchSize);
        if (batchSize < workers) {
            throw new InvalidConfigException("training.batch-size",
                    "must be at least training.workers (" + workers + ") so that every worker gets an example"
                            + " per iteration, but got " + batchSize);
        }
        Checks.positive("training.epochs", epochs);
        maxIterations.ifPresent(v -> Checks.positive("training.max-iterations", v));
        iterationsPerStage.ifPresent(v -> Checks.positive("training.iterations-per-stage", v));
        Checks.present("training.sync-timeout", syncTimeout);
        Checks.positive("training.stage-attempts", stageAttempts);
        if (syncTimeout.compareTo(Duration.ofSeconds(1)) < 0 || syncTimeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new InvalidConfigException("training.sync-timeout",
                    "must be between 1s and 1d but got " + syncTimeout);
        }
    }
}
