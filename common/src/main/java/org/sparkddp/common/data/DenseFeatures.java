package org.sparkddp.common.data;

/**
 * Features stored as floats, row-major: tabular data (CSV, LibSVM made dense), already normalized.
 *
 * @param rows    number of examples
 * @param columns features per example
 * @param data    {@code rows * columns} floats, row-major
 */
public record DenseFeatures(int rows, int columns, float[] data) implements FeatureMatrix {
    public DenseFeatures {
        if ((long) rows * columns != data.length) {
            throw new IllegalArgumentException("expected " + (long) rows * columns + " floats but got " + data.length);
        }
    }

    @Override
    public void copyRow(int row, float[] dst, int offset) {
        System.arraycopy(data, row * columns, dst, offset, columns);
    }

    @Override
    public DenseFeatures select(int[] selected) {
        return new DenseFeatures(selected.length, columns, RowMajor.gather(data, columns, selected));
    }

    /** The value of feature {@code column} of example {@code row}. */
    public float get(int row, int column) {
        return data[row * columns + column];
    }
}
