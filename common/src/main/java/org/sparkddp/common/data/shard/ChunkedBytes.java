package org.sparkddp.common.data.shard;

/**
 * Bytes in chunks of {@code chunkBytes} (the last one may be shorter), with 64-bit offsets: a read that straddles
 * chunks is split at their boundaries.
 *
 * @param chunkBytes the length of every chunk but the last
 * @param size       total bytes
 * @param source     the chunks
 */
public record ChunkedBytes(int chunkBytes, long size, ChunkSource source) implements ByteStore {
    public ChunkedBytes {
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0 but got " + chunkBytes);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0 but got " + size);
        }
        if ((size + chunkBytes - 1) / chunkBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(size + " bytes make more than 2^31 chunks of " + chunkBytes);
        }
    }

    /** Number of chunks. */
    public int chunks() {
        return (int) ((size + chunkBytes - 1) / chunkBytes);
    }

    /** Bytes in chunk {@code index}. */
    public int chunkLength(int index) {
        return (int) Math.min(chunkBytes, size - (long) index * chunkBytes);
    }

    @Override
    public void read(long offset, byte[] dst, int dstOffset, int length) {
        ByteStore.checkRange(offset, length, size);
        while (length > 0) {
            int index = (int) (offset / chunkBytes);
            int within = (int) (offset % chunkBytes);
            int n = Math.min(length, chunkBytes - within);
            System.arraycopy(source.chunk(index), within, dst, dstOffset, n);
            offset += n;
            dstOffset += n;
            length -= n;
        }
    }
}
