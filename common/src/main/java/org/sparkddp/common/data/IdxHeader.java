package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * The sizes an IDX file declares: {@code shape[0]} items of {@code shape[1] x ... } unsigned bytes each, stored
 * after a header of 4 bytes of magic number and 4 per dimension.
 */
public record IdxHeader(int[] shape) implements Serializable {
    /** Where the data starts. */
    public long dataOffset() {
        return 4L + 4L * shape.length;
    }

    public int count() {
        return shape[0];
    }

    /** Bytes per item: the product of every size but the first. */
    public int itemSize() {
        int size = 1;
        for (int i = 1; i < shape.length; i++) {
            size *= shape[i];
        }
        return size;
    }

    public long dataBytes() {
        return (long) count() * itemSize();
    }
}
