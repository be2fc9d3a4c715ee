package org.sparkddp.common.data;

/**
 * The features of a block of examples, one row per example, read as floats. Implementations keep whatever
 * storage suits the source (images stay unsigned bytes: a quarter of the memory of floats).
 */
public interface FeatureMatrix {
    int rows();

    int columns();

    /** Writes row {@code row} as {@link #columns()} floats into {@code dst}, starting at {@code offset}. */
    void copyRow(int row, float[] dst, int offset);

    /** One row's shape: {@code [columns]}, or {@code [channels, height, width]} for images. */
    default java.util.List<Integer> inputShape() {
        return java.util.List.of(columns());
    }

    /** A new matrix holding the given rows, in the given order. */
    FeatureMatrix select(int[] rows);
}
