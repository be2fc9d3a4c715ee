package org.sparkddp.common.data.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The read-ahead reads what it is asked for, off the calling thread, and serves it from what it read. */
class ReadAheadTest {
    /** Fills a range with its offset's low byte onwards, and records the thread and offset of each read. */
    private static final class Recorder implements ReadAhead.Reader {
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        final List<Long> offsets = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void read(long offset, byte[] dst, int dstOffset, int length) {
            threads.add(Thread.currentThread().getName());
            offsets.add(offset);
            for (int i = 0; i < length; i++) {
                dst[dstOffset + i] = (byte) (offset + i);
            }
        }
    }

    @Test
    void theRowsAskedForAreServedFromTheBackgroundRead() {
        Recorder disk = new Recorder();
        ReadAhead ahead = new ReadAhead(disk);
        ahead.request(new long[] {40, 8}, 4);       // iteration t
        ahead.request(new long[] {100}, 4);         // iteration t + 1, asked before t is read

        byte[] row = new byte[4];
        assertTrue(ahead.serve(8, row, 0, 4));
        assertArrayEquals(new byte[] {8, 9, 10, 11}, row);
        assertTrue(ahead.serve(100, row, 0, 4));
        assertArrayEquals(new byte[] {100, 101, 102, 103}, row);
        assertFalse(ahead.serve(12, row, 0, 4), "never asked for");
        assertFalse(ahead.serve(8, row, 0, 3), "another length");
        // Both batches were served, so both were read: each range once (the two batches may run in either order).
        assertEquals(java.util.Set.of(40L, 8L, 100L), new java.util.HashSet<>(disk.offsets));
        assertEquals(3, disk.offsets.size());
        assertTrue(disk.threads.stream().allMatch(t -> t.equals("spark-ddp shard read-ahead")), disk.threads.toString());

        ahead.request(new long[] {0}, 4);           // iteration t + 2: t's batch is dropped
        assertFalse(ahead.serve(40, row, 0, 4));
        assertTrue(ahead.serve(100, row, 0, 4));
    }
}
