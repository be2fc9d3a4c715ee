package org.sparkddp.driver.train;

import org.sparkddp.worker.stage.ProgressAccumulator;

/**
 * Receives training telemetry on the driver, outside the data path: the master calls it between stages and
 * never waits on anything it does.
 */
public interface TrainingListener {
    /**
     * Progress inside a running stage, from executor heartbeats; called on Spark's listener thread.
     *
     * @param iterationsInEpoch iterations the current epoch has in all
     */
    default void onProgress(ProgressAccumulator.Tick tick, int iterationsInEpoch, int epochs) {
    }

    default void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
    }

    default void onEpoch(EpochRecord epoch, int epochs) {
    }

    /**
     * An executor registered while the run trains and the cluster now has {@code slots} task slots for the run's
     * {@code workers}; called on Spark's listener thread. An elastic run grows at its next stage.
     */
    default void onExecutorJoined(String executorId, String host, int slots, int workers) {
    }

    /** The worker count changed; called on the training thread before the first stage on the new count. */
    default void onResize(Resize resize) {
    }
}
