package org.sparkddp.common.data;

import java.util.Arrays;
import org.sparkddp.common.error.InvalidConfigException;

/** A declared shape for flat feature rows (images stored as rows), checked against their width. */
public final class InputShape {
    private InputShape() {
    }

    /**
     * @param declared the shape a setting gives, such as [1, 28, 28]; empty for flat rows
     * @param width    the features per example
     * @param key      the setting, for the error
     * @return the shape, or {@code [width]} when none is declared
     */
    public static int[] of(int[] declared, int width, String key) {
        if (declared.length == 0) {
            return new int[] {width};
        }
        long product = size(declared);
        if (product != width) {
            throw new InvalidConfigException(key, Arrays.toString(declared) + " holds " + product
                    + " values but the feature rows have " + width);
        }
        return declared.clone();
    }

    /** The values one example of {@code shape} holds. */
    public static long size(int[] shape) {
        long product = 1;
        for (int size : shape) {
            product *= size;
        }
        return product;
    }

    /** Checks, where a feature matrix is built, that {@code shape} holds its {@code columns} features. */
    public static void requireHolds(int[] shape, int columns) {
        if (size(shape) != columns) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " does not hold "
                    + columns + " features");
        }
    }
}
