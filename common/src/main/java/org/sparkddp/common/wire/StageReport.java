package org.sparkddp.common.wire;

/**
 * What one task of a training stage returns to the driver: a few hundred bytes plus 8 per chunk stored, whatever
 * the model's size. Every rank reports its timings, the iteration reached and the CRC-32Cs of the state's chunks it
 * stored as blocks (rank {@code r} of {@code W} stores chunks {@code r, r + W, ...}); rank 0, whose replica is
 * bitwise identical to the others, also returns the losses. The state itself stays on the executors.
 *
 * @param rank             the task's rank (its shard)
 * @param firstIteration   global index of the stage's first iteration
 * @param losses           global mean training loss of each iteration run (rank 0 only; empty otherwise)
 * @param endNanos         when each iteration ended, in nanoseconds since the task started (rank 0 only)
 * @param computeNanos     time in gradient computation and optimizer updates
 * @param syncNanos        time in the all-reduce, waiting for peers included
 * @param reachedIteration global iteration (optimizer steps so far) after the last iteration run
 * @param storedCrcs       CRC-32C of each chunk this rank stored, in chunk order (empty if training diverged)
 * @param divergedAt       global iteration whose loss or gradient was not finite, or -1
 * @param process          the executor JVM the task ran in, so that the driver can name its crash report later
 * @param computePath      who computed the layers and which step rule ran (rank 0 only; {@link
 *                         ComputePath#UNREPORTED} otherwise)
 */
public record StageReport(int rank, long firstIteration, float[] losses, long[] endNanos, long computeNanos,
                          long syncNanos,
                          long reachedIteration, long[] storedCrcs, long divergedAt, ExecutorProcess process,
                          ComputePath computePath) {
    public boolean diverged() {
        return divergedAt >= 0;
    }
}
