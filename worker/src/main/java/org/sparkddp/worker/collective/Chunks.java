package org.sparkddp.worker.collective;

/**
 * How a vector of {@code n} floats is cut into consecutive chunks, one per weight, each about its weight's share
 * of {@code n}: chunk {@code c} is {@code [n W(c) / W, n W(c+1) / W)} with {@code W(c)} the sum of the weights
 * before {@code c}. Every rank computes the same cut from the same weights. Runs on executors.
 */
final class Chunks {
    private final long[] cumulative;
    /** The first of the weights' chunks that this cut counts as its chunk 0 (0 unless a {@link #window}). */
    private final int first;
    private final int count;

    /** @param weights one positive weight per chunk */
    Chunks(int[] weights) {
        this(weights, 0, weights.length);
    }

    private Chunks(int[] weights, int first, int count) {
        if (first < 0 || count < 1 || first + count > weights.length) {
            throw new IllegalArgumentException("chunks [" + first + ", " + (first + count) + ") of " + weights.length);
        }
        cumulative = new long[weights.length + 1];
        for (int c = 0; c < weights.length; c++) {
            if (weights[c] <= 0) {
                throw new IllegalArgumentException("chunk " + c + " has weight " + weights[c] + ", not > 0");
            }
            cumulative[c + 1] = cumulative[c] + weights[c];
        }
        this.first = first;
        this.count = count;
    }

    /**
     * Chunks {@code [first, first + count)} of {@link #equal equal(total)}, numbered from 0: a ring over part of a
     * vector ({@link TorusCollective}'s rings across hosts) whose chunks are exactly those of the whole vector's equal
     * cut, so that every rank's share is within one float of {@code n / total}.
     */
    static Chunks window(int total, int first, int count) {
        int[] weights = new int[total];
        java.util.Arrays.fill(weights, 1);
        return new Chunks(weights, first, count);
    }

    /** {@code count} chunks of equal weight. */
    static Chunks equal(int count) {
        int[] weights = new int[count];
        java.util.Arrays.fill(weights, 1);
        return new Chunks(weights);
    }

    int count() {
        return count;
    }

    /** First float of chunk {@code c}; chunk {@link #count()} is where the last one ends ({@code n} but in a window). */
    long start(long n, int c) {
        return Math.multiplyExact(n, cumulative[first + c]) / cumulative[cumulative.length - 1];
    }

    long end(long n, int c) {
        return start(n, c + 1);
    }
}
