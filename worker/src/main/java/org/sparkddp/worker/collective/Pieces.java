package org.sparkddp.worker.collective;

/**
 * A range of floats {@code [from, to)} cut into pieces of at most {@code size} floats, so that one transfer never
 * needs more than a bounded buffer; piece {@code p} past the end is empty. Runs on executors.
 */
record Pieces(long from, long to, long size) {
    Pieces {
        if (size <= 0 || to < from) {
            throw new IllegalArgumentException("pieces of " + size + " floats over [" + from + ", " + to + ")");
        }
    }

    long count() {
        return (to - from + size - 1) / size;
    }

    long from(long p) {
        return Math.min(from + p * size, to);
    }

    long to(long p) {
        return Math.min(from + (p + 1) * size, to);
    }
}
