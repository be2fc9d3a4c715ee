package org.sparkddp.common.data;

/**
 * Features stored as unsigned bytes (pixels) and read scaled into [0, 1], as is usual for image inputs.
 *
 * @param rows    number of examples
 * @param columns features per example
 * @param data    {@code rows * columns} bytes, row-major
 */
public record UnsignedByteFeatures(int rows, int columns, byte[] data) implements FeatureMatrix {
    private static final float SCALE = 1f / 255f;

    public UnsignedByteFeatures {
        if ((long) rows * columns != data.length) {
            throw new IllegalArgumentException("expected " + (long) rows * columns + " bytes but got " + data.length);
        }
    }

    /** Square images of one channel (what IDX image files hold); other sizes are plain vectors. */
    @Override
    public java.util.List<Integer> inputShape() {
        int side = (int) Math.round(Math.sqrt(columns));
        return side * side == columns ? java.util.List.of(1, side, side) : java.util.List.of(columns);
    }

    @Override
    public void copyRow(int row, float[] dst, int offset) {
        int base = row * columns;
        for (int i = 0; i < columns; i++) {
            dst[offset + i] = (data[base + i] & 0xff) * SCALE;
        }
    }

    @Override
    public UnsignedByteFeatures select(int[] selected) {
        byte[] out = new byte[selected.length * columns];
        for (int i = 0; i < selected.length; i++) {
            System.arraycopy(data, selected[i] * columns, out, i * columns, columns);
        }
        return new UnsignedByteFeatures(selected.length, columns, out);
    }
}
