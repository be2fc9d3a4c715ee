package org.sparkddp.common.data;

/** Row-major float blocks (one row of {@code width} floats per example), shared by features and targets. */
final class RowMajor {
    private RowMajor() {
    }

    /** The given rows of {@code data}, in the given order, as a new block. */
    static float[] gather(float[] data, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(data, rows[i] * width, out, i * width, width);
        }
        return out;
    }
}
