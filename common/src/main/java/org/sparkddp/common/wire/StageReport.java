package org.sparkddp.common.wire;

/**
 * What one task of a training stage returns to the driver. Every rank reports its timings; rank 0, whose replica
 * is bitwise identical to the others, also returns the losses and the final state.
 *
 * @param rank             the task's rank (its shard)
 * @param firstIteration   global index of the stage's first iteration
 * @param losses           global mean training loss of each iteration run (rank 0 only; empty otherwise)
 * @param endNanos         when each iteration ended, in nanoseconds since the task started (rank 0 only)
 * @param computeNanos     time in gradient computation and optimizer updates
 * @param syncNanos        time in the all-reduce, waiting for peers included
 * @param finalState       state after the last iteration run (rank 0 only; null otherwise)
 * @param divergedAt       global iteration whose loss or gradient was not finite, or -1
 * @param process          the executor JVM the task ran in, so that the driver can name its crash report later
 */
public record StageReport(int rank, long firstIteration, float[] losses, long[] endNanos, long computeNanos,
                          long syncNanos,
                          ModelState finalState, long divergedAt, ExecutorProcess process) {
    public boolean diverged() {
        return divergedAt >= 0;
    }
}
