package org.sparkddp.common.data.shard;

/**
 * A shard's feature bytes, addressed with 64-bit offsets, so that no shard is limited by a Java array. Lives on
 * the executor that built the shard (or on the driver, for examples it holds).
 */
public interface ByteStore {
    /** Total bytes. */
    long size();

    /** Copies {@code length} bytes from {@code offset} into {@code dst} at {@code dstOffset}. */
    void read(long offset, byte[] dst, int dstOffset, int length);

    /**
     * A hint that the ranges {@code [offsets[i], offsets[i] + length)} will be read soon, in that order. Stores in
     * memory ignore it; a store on disk reads them in the background.
     */
    default void prefetch(long[] offsets, int length) {
    }

    /** Checks a range against a store of {@code size} bytes. */
    static void checkRange(long offset, int length, long size) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + length) + ") of a store of "
                    + size);
        }
    }
}
