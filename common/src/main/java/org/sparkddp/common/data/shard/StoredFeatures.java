package org.sparkddp.common.data.shard;

import org.sparkddp.common.data.FeatureMatrix;
import org.sparkddp.common.data.InputShape;

/**
 * A shard's features in a {@link ByteStore}, row-major with 64-bit offsets: in chunks in memory, or in a file on
 * the executor's local disk. Built by {@code ShardBuilder} on an executor; read by the training and evaluation
 * tasks there.
 *
 * @param rows       number of examples
 * @param columns    features per example
 * @param inputShape the shape of one example; its product is {@code columns}
 * @param encoding   how each value is stored
 * @param store      {@code rows * columns * encoding.bytes()} bytes
 */
public record StoredFeatures(int rows, int columns, int[] inputShape, Encoding encoding, ByteStore store)
        implements FeatureMatrix {
    /** One row's bytes, per reading thread (a static, so that no cached shard holds it). */
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[0]);

    public StoredFeatures {
        InputShape.requireHolds(inputShape, columns);
        if ((long) rows * columns * encoding.bytes() != store.size()) {
            throw new IllegalArgumentException("expected " + (long) rows * columns * encoding.bytes() + " bytes but"
                    + " the store holds " + store.size());
        }
        inputShape = inputShape.clone();
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    private int rowBytes() {
        return columns * encoding.bytes();
    }

    @Override
    public void copyRow(int row, float[] dst, int offset) {
        int rowBytes = rowBytes();
        byte[] scratch = SCRATCH.get();
        if (scratch.length < rowBytes) {
            scratch = new byte[rowBytes];
            SCRATCH.set(scratch);
        }
        store.read(offset(row), scratch, 0, rowBytes);
        encoding.decode(scratch, columns, dst, offset);
    }

    private long offset(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        return (long) row * rowBytes();
    }

    @Override
    public void prefetch(int[] selected) {
        long[] offsets = new long[selected.length];
        for (int i = 0; i < selected.length; i++) {
            offsets[i] = offset(selected[i]);
        }
        store.prefetch(offsets, rowBytes());
    }

    /** The given rows, in the given order, in memory (in chunks as long as this store's, if it has chunks). */
    @Override
    public StoredFeatures select(int[] selected) {
        int chunkBytes = store instanceof ChunkedBytes chunked ? chunked.chunkBytes() : ShardStorage.DEFAULT_CHUNK_BYTES;
        ChunkWriter out = new ChunkWriter(ShardStorage.IN_MEMORY.withChunkBytes(chunkBytes));
        byte[] row = new byte[rowBytes()];
        for (int r : selected) {
            store.read(offset(r), row, 0, row.length);
            out.write(row, 0, row.length);
        }
        return new StoredFeatures(selected.length, columns, inputShape, encoding, out.finish());
    }

    /** Whether the features are in a file on this executor's disk rather than in memory. */
    public boolean spilled() {
        return store instanceof SpilledBytes;
    }
}
