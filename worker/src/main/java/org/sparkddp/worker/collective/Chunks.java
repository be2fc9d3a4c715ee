package org.sparkddp.worker.collective;

/**
 * How a vector of {@code n} floats is cut into consecutive chunks, one per weight, each about its weight's share
 * of {@code n}: chunk {@code c} is {@code [n W(c) / W, n W(c+1) / W)} with {@code W(c)} the sum of the weights
 * before {@code c}. Every rank computes the same cut from the same weights. Runs on executors.
 */
final class Chunks {
    private final long[] cumulative;

    /** @param weights one positive weight per chunk */
    Chunks(int[] weights) {
        cumulative = new long[weights.length + 1];
        for (int c = 0; c < weights.length; c++) {
            if (weights[c] <= 0) {
                throw new IllegalArgumentException("chunk " + c + " has weight " + weights[c] + ", not > 0");
            }
            cumulative[c + 1] = cumulative[c] + weights[c];
        }
    }

    /** {@code count} chunks of equal weight. */
    static Chunks equal(int count) {
        int[] weights = new int[count];
        java.util.Arrays.fill(weights, 1);
        return new Chunks(weights);
    }

    int count() {
        return cumulative.length - 1;
    }

    /** First float of chunk {@code c}; chunk {@link #count()} is {@code n}, the end. */
    long start(long n, int c) {
        return Math.multiplyExact(n, cumulative[c]) / cumulative[cumulative.length - 1];
    }

    long end(long n, int c) {
        return start(n, c + 1);
    }
}
