package org.sparkddp.common.data.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A shard of 2.5 GB, past what one Java array (or an int offset) can address, read through chunks generated on
 * demand: nothing near 2 GB is ever allocated.
 */
class LargeOffsetsTest {
    private static final int CHUNK = 1 << 20;
    private static final int COLUMNS = 1000; // not a divisor of the chunk: rows straddle chunks
    private static final int ROWS = 2_500_000;

    /** The byte at {@code offset}: depends on the whole offset, high bits included. */
    private static byte expected(long offset) {
        long h = offset * 0x9E3779B97F4A7C15L;
        return (byte) (h >>> 56);
    }

    /** Chunks made when asked for, each as the byte function says. */
    private static final class Generated implements ChunkSource {
        final AtomicInteger made = new AtomicInteger();

        @Override
        public byte[] chunk(int index) {
            made.incrementAndGet();
            byte[] chunk = new byte[CHUNK];
            long base = (long) index * CHUNK;
            for (int i = 0; i < CHUNK; i++) {
                chunk[i] = expected(base + i);
            }
            return chunk;
        }
    }

    @Test
    void rowsPastTwoToTheThirtyOneReadTheirOwnBytes() {
        long size = (long) ROWS * COLUMNS;
        assertTrue(size > (1L << 31));
        Generated source = new Generated();
        StoredFeatures features = new StoredFeatures(ROWS, COLUMNS, new int[] {COLUMNS}, Encoding.UNSIGNED_BYTE,
                new ChunkedBytes(CHUNK, size, source));

        // The last row, the row straddling the chunk boundary at 2^31, the next one, and the first.
        int straddling = (int) ((1L << 31) / COLUMNS);
        for (int row : new int[] {ROWS - 1, straddling, straddling + 1, 0}) {
            float[] got = new float[COLUMNS];
            features.copyRow(row, got, 0);
            float[] want = new float[COLUMNS];
            for (int i = 0; i < COLUMNS; i++) {
                want[i] = (expected((long) row * COLUMNS + i) & 0xff) * (1f / 255f);
            }
            assertArrayEquals(want, got, 0f, "row " + row);
        }
        assertTrue((long) straddling * COLUMNS < (1L << 31) && (long) (straddling + 1) * COLUMNS > (1L << 31));
        assertTrue(source.made.get() <= 8, "only the chunks read are generated: " + source.made.get());

        // A raw read across the 2^31 boundary.
        byte[] bytes = new byte[10];
        features.store().read((1L << 31) - 5, bytes, 0, 10);
        for (int i = 0; i < 10; i++) {
            assertEquals(expected((1L << 31) - 5 + i), bytes[i]);
        }
    }
}
