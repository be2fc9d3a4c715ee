package org.sparkddp.common.data;

import java.util.Arrays;

/** A growable array of floats, for files whose row count is known only at the end. */
final class FloatColumn {
    private float[] values = new float[1024];
    private int size;

    void add(float value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    int size() {
        return size;
    }

    float get(int i) {
        return values[i];
    }

    float[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
