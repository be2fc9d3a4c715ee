package org.sparkddp.driver.train;

import org.sparkddp.common.wire.ComputePath;

/**
 * What the driver learned from one training stage.
 *
 * @param epoch            0-based epoch
 * @param firstIteration   global index of the stage's first iteration
 * @param losses           global mean training loss of each iteration
 * @param examples         examples in each iteration's global batch
 * @param endNanos         when each iteration ended, in nanoseconds since rank 0's task started
 * @param wallNanos        stage wall time on the driver: scheduling, training, collecting
 * @param computeNanos     per-rank mean time in gradient computation and updates
 * @param allReduceNanos   per-rank mean time in the all-reduce, waiting for peers included
 * @param attempts         times the stage was submitted (1 unless a task failed and the stage was resubmitted)
 * @param redoneIterations iterations that failed attempts had done and the stage did again (a lower bound)
 * @param failedNanos      wall time of the failed attempts, included in {@code wallNanos}
 * @param executorLosses   executors that left since the previous stage ended (this one included), and how
 * @param workers          workers the stage's successful attempt ran on
 * @param resizes          changes of the worker count decided for this stage, before its first attempt or after a
 *                         failed one
 * @param computePath      how the executors computed it: the layers' engine and the step rule, with any fallback's
 *                         reason (rank 0's report)
 */
public record StageRecord(int epoch, long firstIteration, float[] losses, int[] examples, long[] endNanos,
                          long wallNanos, long computeNanos, long allReduceNanos, int attempts, long redoneIterations,
                          long failedNanos, java.util.List<ExecutorLoss> executorLosses, int workers,
                          java.util.List<Resize> resizes, ComputePath computePath) {
    /** A stage whose compute path nobody reported. */
    public StageRecord(int epoch, long firstIteration, float[] losses, int[] examples, long[] endNanos,
                       long wallNanos, long computeNanos, long allReduceNanos, int attempts, long redoneIterations,
                       long failedNanos, java.util.List<ExecutorLoss> executorLosses, int workers,
                       java.util.List<Resize> resizes) {
        this(epoch, firstIteration, losses, examples, endNanos, wallNanos, computeNanos, allReduceNanos, attempts,
                redoneIterations, failedNanos, executorLosses, workers, resizes, ComputePath.UNREPORTED);
    }

    public int iterations() {
        return losses.length;
    }

    public long totalExamples() {
        long total = 0;
        for (int e : examples) {
            total += e;
        }
        return total;
    }
}
