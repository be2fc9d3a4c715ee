package org.sparkddp.bench;

/**
 * One contender's training rate in {@code deploy/bench compute}.
 *
 * @param model            {@code mlp} or {@code cnn}
 * @param contender        what ran, as the table names it
 * @param cores            cores it used (threads x processes, or Spark's local[2] cores)
 * @param samplesPerSecond steady-state training examples per second; NaN when it did not run
 * @param note             what the reader must know about the figure (a fallback, why it is absent), or ""
 */
record ComputeRow(String model, String contender, int cores, double samplesPerSecond, String note) {
    /** GFLOP/s achieved, at {@code flopsPerExample} per training example. */
    double gflops(long flopsPerExample) {
        return samplesPerSecond * flopsPerExample / 1e9;
    }
}
