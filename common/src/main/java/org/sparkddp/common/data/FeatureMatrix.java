package org.sparkddp.common.data;

/**
 * The features of a block of examples, one row per example, read as floats. Implementations keep whatever
 * storage suits the source (images stay unsigned bytes: a quarter of the memory of floats).
 */
public interface FeatureMatrix {
    int rows();

    int columns();

    /**
     * The shape of one example, whose product is {@link #columns()}: {@code {channels, height, width}} for
     * images (so a convolutional network can view a row as an image), {@code {numFeatures}} for tabular data.
     */
    default int[] inputShape() {
        return new int[] {columns()};
    }

    /** Writes row {@code row} as {@link #columns()} floats into {@code dst}, starting at {@code offset}. */
    void copyRow(int row, float[] dst, int offset);

    /**
     * A hint that {@code rows} will be read soon (the next iteration's batch): storage on disk starts reading them
     * in the background. Training calls it for iteration t + 1 before computing iteration t. Reads are correct
     * with or without it.
     */
    default void prefetch(int[] rows) {
    }

    /** A new matrix holding the given rows, in the given order. */
    FeatureMatrix select(int[] rows);
}
