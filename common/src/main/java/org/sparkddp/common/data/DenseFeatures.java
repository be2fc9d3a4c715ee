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
        float[] out = new float[selected.length * columns];
        for (int i = 0; i < selected.length; i++) {
            System.arraycopy(data, selected[i] * columns, out, i * columns, columns);
        }
        return new DenseFeatures(selected.length, columns, out);
    }

    /** The value of feature {@code column} of example {@code row}. */
    public float get(int row, int column) {
        return data[row * columns + column];
    }
}
