package org.sparkddp.common.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VirtualShardsTest {
    /** Each worker stores its rows in ascending order, and localIndex and rowAt are inverse, for many shapes. */
    @Test
    void localIndicesFollowTheRowsAscending() {
        for (int examples : new int[] {1, 7, 100, 1003}) {
            for (int count : new int[] {1, 3, 16, 256}) {
                VirtualShards shards = VirtualShards.of(examples, count);
                for (int workers = 1; workers <= Math.min(5, shards.count()); workers++) {
                    long[] next = new long[workers];
                    long total = 0;
                    for (long row = 0; row < examples; row++) {
                        int w = shards.owner(row, workers);
                        assertEquals(next[w]++, shards.localIndex(row, workers), "row " + row);
                        assertEquals(row, shards.rowAt(w, workers, shards.localIndex(row, workers)));
                    }
                    for (int w = 0; w < workers; w++) {
                        assertEquals(next[w], shards.localSize(w, workers));
                        total += shards.localSize(w, workers);
                    }
                    assertEquals(examples, total);
                }
            }
        }
    }

    @Test
    void shardsAreBalancedAndCapped() {
        VirtualShards shards = VirtualShards.of(1003, 16);
        long sum = 0;
        for (int v = 0; v < 16; v++) {
            assertTrue(shards.shardSize(v) == 62 || shards.shardSize(v) == 63);
            sum += shards.shardSize(v);
        }
        assertEquals(1003, sum);
        assertEquals(5, VirtualShards.of(5, 256).count());
    }

    /** Row numbers past 2^31 work: a terabyte of rows is cut the same way. */
    @Test
    void rowsPast32Bits() {
        VirtualShards shards = VirtualShards.of(6_000_000_000L, 4096);
        long row = 5_999_999_999L;
        int w = shards.owner(row, 100);
        assertEquals(row, shards.rowAt(w, 100, shards.localIndex(row, 100)));
        assertEquals(shards.localSize(w, 100) - 1, shards.localIndex(row, 100));
    }
}
