package org.sparkddp.common.data;


/**
 * Features stored as unsigned bytes (pixels) and read scaled into [0, 1], as is usual for image inputs.
 *
 * @param rows       number of examples
 * @param columns    features per example
 * @param data       {@code rows * columns} bytes, row-major
 * @param inputShape the shape of one example, e.g. {@code {1, 28, 28}} (channels, height, width); its product
 *                   is {@code columns}
 */
public record UnsignedByteFeatures(int rows, int columns, byte[] data, int[] inputShape) implements FeatureMatrix {
    private static final float SCALE = 1f / 255f;

    public UnsignedByteFeatures {
        if ((long) rows * columns != data.length) {
            throw new IllegalArgumentException("expected " + (long) rows * columns + " bytes but got " + data.length);
        }
        InputShape.requireHolds(inputShape, columns);
        inputShape = inputShape.clone();
    }

    /** Flat rows of {@code columns} bytes, with no image shape. */
    public UnsignedByteFeatures(int rows, int columns, byte[] data) {
        this(rows, columns, data, new int[] {columns});
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
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
        return new UnsignedByteFeatures(selected.length, columns, out, inputShape);
    }
}
