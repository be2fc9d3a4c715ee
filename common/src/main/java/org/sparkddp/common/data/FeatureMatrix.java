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

    /** A new matrix holding the given rows, in the given order. */
    FeatureMatrix select(int[] rows);
}
