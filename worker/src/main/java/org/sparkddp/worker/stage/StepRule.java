package org.sparkddp.worker.stage;

/**
 * How one rank runs one iteration and combines its work with its peers': every iteration ({@link SyncStep}) or
 * every K iterations ({@link AveragingStep}). Runs on an executor, inside a training stage.
 */
interface StepRule extends AutoCloseable {
    /**
     * Runs one iteration on this rank.
     *
     * @param k           index of the iteration within the stage
     * @param iteration   global iteration number (optimizer steps before this one)
     * @param rows        this rank's rows of its shard for this iteration (may be empty)
     * @param globalCount examples in the global batch, summed over ranks
     * @param lastOfStage true for the stage's last planned iteration, after which the replicas must agree (a stage
     *                    may also end earlier, after an iteration whose exchange brought rank 0's stop: a rule that
     *                    exchanges the stop flag calls {@link RankContext#agreeOnStop} only where the replicas
     *                    agree)
     * @param log         where to record losses and time
     * @return false if the loss or gradient went non-finite; training stops on every rank at once
     */
    boolean run(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log);

    /** Called on every rank after the stage's last iteration (unless training diverged), before the state is captured. */
    default void finish(StageLog log) {
    }

    /** The {@code compute:} line's words on overlap with back-propagation (sync rules); empty where none applies. */
    default String overlap() {
        return "";
    }

    /** Frees what the rule allocated for the stage; called on every rank when the stage ends, however it ends. */
    @Override
    default void close() {
    }
}
