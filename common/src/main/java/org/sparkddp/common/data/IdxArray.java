package org.sparkddp.common.data;

/**
 * The contents of one IDX file of unsigned bytes: its dimensions and its data, row-major.
 *
 * @param shape the sizes of the dimensions, outermost first (e.g. {60000, 28, 28})
 * @param data  the elements, exactly the product of {@code shape} of them
 */
public record IdxArray(int[] shape, byte[] data) {
    /** Number of items along the first dimension (images, or labels). */
    public int count() {
        return new IdxHeader(shape).count();
    }

    /** Elements per item: the product of every dimension after the first. */
    public int itemSize() {
        return new IdxHeader(shape).itemSize();
    }
}
