package org.sparkddp.common.data;

/**
 * What the network is trained to output for each example: class indices (one-hot encoded) or real values.
 * Lives wherever its examples live: built on the driver, shipped inside shards to the executors.
 */
public sealed interface Targets permits ClassLabels, RealTargets {
    /** Number of examples. */
    int size();

    /** Floats per example once encoded: the network's output width. */
    int width();

    /**
     * Writes example {@code row}'s encoded targets, {@link #width()} floats, into {@code dst} at {@code offset}.
     * Every one of the {@code width()} floats is written, so the destination may hold a previous batch.
     */
    void encode(int row, float[] dst, int offset);

    /** The given examples' targets, in the given order. */
    Targets select(int[] rows);
}
