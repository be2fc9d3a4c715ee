package org.sparkddp.common.data.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.data.UnsignedByteFeatures;

/**
 * Chunks of 7 bytes, so that rows of 5 bytes (or 3 floats, 12 bytes) straddle them in every way: shards built in
 * chunks read exactly as the plain arrays read.
 */
class ChunkBoundariesTest {
    private static final ShardStorage TINY_CHUNKS = ShardStorage.IN_MEMORY.withChunkBytes(7);

    @Test
    void imageRowsAcrossChunksReadAsTheArrayDoes() {
        int rows = 41;
        int columns = 5;
        byte[] pixels = new byte[rows * columns];
        new Random(1).nextBytes(pixels);
        int[] labels = new Random(2).ints(rows, 0, 3).toArray();
        UnsignedByteFeatures plain = new UnsignedByteFeatures(rows, columns, pixels, new int[] {1, 1, 5});
        ShardBuilder builder = ShardBuilder.images(new int[] {1, 1, 5}, 3, TINY_CHUNKS);
        for (int r = 0; r < rows; r++) {
            builder.addImage(pixels, r * columns, labels[r]);
        }
        LabeledExamples built = builder.build();
        StoredFeatures chunked = (StoredFeatures) built.features();
        assertEquals(30, ((ChunkedBytes) chunked.store()).chunks()); // 205 bytes in chunks of 7
        assertFalse(chunked.spilled());

        assertArrayEquals(Rows.all(plain), Rows.all(chunked), 0f);
        assertArrayEquals(labels, built.classLabels().labels());
        assertArrayEquals(new int[] {1, 1, 5}, built.inputShape());
        int[] picked = Rows.shuffled(rows, 3);
        StoredFeatures selected = chunked.select(picked);
        assertArrayEquals(Rows.all(plain.select(picked)), Rows.all(selected), 0f);
        assertArrayEquals(new int[] {1, 1, 5}, selected.inputShape());
        assertEquals(7, ((ChunkedBytes) selected.store()).chunkBytes());
    }

    @Test
    void floatRowsAcrossChunksKeepTheirBits() {
        int rows = 29;
        int columns = 3;
        float[] values = new float[rows * columns];
        Random random = new Random(4);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        values[5] = Float.NaN;
        values[7] = -0f;
        values[8] = Float.MIN_VALUE;
        float[] targets = new float[rows * 2];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = i * 0.5f;
        }
        DenseFeatures plain = new DenseFeatures(rows, columns, values);
        ShardBuilder builder = ShardBuilder.tabular(columns, new int[] {columns}, TargetKind.REAL, 2, TINY_CHUNKS);
        for (int r = 0; r < rows; r++) {
            builder.addRow(java.util.Arrays.copyOfRange(values, r * columns, (r + 1) * columns),
                    java.util.Arrays.copyOfRange(targets, r * 2, r * 2 + 2));
        }
        LabeledExamples built = builder.build();
        assertArrayEquals(bits(Rows.all(plain)), bits(Rows.all(built.features())));
        assertArrayEquals(targets, ((RealTargets) built.targets()).values(), 0f);
        int[] picked = {28, 0, 13, 13, 7};
        assertArrayEquals(bits(Rows.all(plain.select(picked))), bits(Rows.all(built.features().select(picked))));
    }

    @Test
    void storingExamplesWithinTheBudgetKeepsThemAsTheyAre() {
        LabeledExamples small = new LabeledExamples(new UnsignedByteFeatures(2, 2, new byte[] {1, 2, 3, 4}),
                new ClassLabels(2, new int[] {0, 1}));
        assertTrue(small == ShardBuilder.stored(small, new ShardStorage(4, 7)));
        LabeledExamples rechunked = ShardBuilder.stored(small, new ShardStorage(3, 7));
        StoredFeatures spilled = (StoredFeatures) rechunked.features();
        try {
            assertTrue(spilled.spilled(), "4 feature bytes over a budget of 3");
            assertArrayEquals(Rows.all(small.features()), Rows.all(spilled), 0f);
            assertArrayEquals(new int[] {0, 1}, rechunked.classLabels().labels());
        } finally {
            ((SpilledBytes) spilled.store()).release();
        }
    }

    @Test
    void readsOutsideTheStoreFail() {
        ChunkedBytes store = new ChunkedBytes(7, 20, new InMemoryChunks(new byte[][] {new byte[7], new byte[7],
                new byte[6]}));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(15, new byte[6], 0, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> store.read(-1, new byte[1], 0, 1));
        StoredFeatures features = new StoredFeatures(4, 5, new int[] {5}, Encoding.UNSIGNED_BYTE, store);
        assertThrows(IndexOutOfBoundsException.class, () -> features.copyRow(4, new float[5], 0));
        assertThrows(IllegalArgumentException.class,
                () -> new StoredFeatures(5, 5, new int[] {5}, Encoding.UNSIGNED_BYTE, store));
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
