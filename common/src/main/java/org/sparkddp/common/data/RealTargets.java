package org.sparkddp.common.data;

/**
 * Real-valued targets, {@code width} floats per example, copied to the network's labels as they are: several
 * regression outputs, or one 0/1 column for a binary classifier with a sigmoid output.
 *
 * @param width  targets per example (at least 1)
 * @param values {@code size * width} floats, row-major
 */
public record RealTargets(int width, float[] values) implements Targets {
    public RealTargets {
        if (width <= 0) {
            throw new IllegalArgumentException("width must be > 0 but got " + width);
        }
        if (values.length % width != 0) {
            throw new IllegalArgumentException(values.length + " values do not make rows of " + width);
        }
    }

    @Override
    public int size() {
        return values.length / width;
    }

    @Override
    public void encode(int row, float[] dst, int offset) {
        System.arraycopy(values, row * width, dst, offset, width);
    }

    @Override
    public RealTargets select(int[] rows) {
        return new RealTargets(width, RowMajor.gather(values, width, rows));
    }

    /** True if there is one column and every value is exactly 0 or 1: a binary classification target. */
    public boolean isBinary() {
        if (width != 1) {
            return false;
        }
        for (float v : values) {
            if (v != 0f && v != 1f) {
                return false;
            }
        }
        return true;
    }

    /** The value of target {@code column} of example {@code row}. */
    public float get(int row, int column) {
        return values[row * width + column];
    }
}
