package org.sparkddp.worker.stage;

import java.util.Arrays;

/** Per-iteration losses and the compute/sync time split of one rank in one stage. Not thread-safe. */
final class StageLog {
    private final float[] losses;
    private long computeNanos;
    private long syncNanos;

    StageLog(int iterations) {
        losses = new float[iterations];
    }

    void loss(int k, float loss) {
        losses[k] = loss;
    }

    /** Sets the loss of iterations {@code [from, to)}, for rules that learn the global loss only every K steps. */
    void losses(int from, int to, float loss) {
        Arrays.fill(losses, from, to, loss);
    }

    float loss(int k) {
        return losses[k];
    }

    void compute(long nanos) {
        computeNanos += nanos;
    }

    void sync(long nanos) {
        syncNanos += nanos;
    }

    float[] losses(int done) {
        return Arrays.copyOf(losses, done);
    }

    long computeNanos() {
        return computeNanos;
    }

    long syncNanos() {
        return syncNanos;
    }
}
