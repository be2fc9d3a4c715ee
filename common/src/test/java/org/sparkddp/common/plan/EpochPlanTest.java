package org.sparkddp.common.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class EpochPlanTest {
    @Test
    void everyExampleOncePerEpochAndFullBatchesButTheLast() {
        VirtualShards shards = VirtualShards.of(1003, 16);
        EpochPlan plan = new EpochPlan(42, 3, shards, 128);
        assertEquals(8, plan.iterations());
        int[][] orders = plan.allOrders();
        boolean[] seen = new boolean[1003];
        for (int t = 0; t < plan.iterations(); t++) {
            long[] rows = plan.globalRows(t, orders);
            assertEquals(t < 7 ? 128 : 1003 - 7 * 128, rows.length);
            assertEquals(rows.length, plan.globalCount(t));
            for (long row : rows) {
                assertFalse(seen[(int) row], "row " + row + " twice");
                seen[(int) row] = true;
            }
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    /** The examples of each global batch do not depend on the workers: their shares add up to it, for W = 1..5. */
    @Test
    void workersShareTheSameGlobalBatches() {
        VirtualShards shards = VirtualShards.of(1000, 12);
        EpochPlan plan = new EpochPlan(7, 1, shards, 100);
        int[][] orders = plan.allOrders();
        for (int workers = 1; workers <= 5; workers++) {
            EpochPlan.Worker[] ranks = new EpochPlan.Worker[workers];
            for (int w = 0; w < workers; w++) {
                ranks[w] = plan.worker(w, workers);
            }
            for (int t = 0; t < plan.iterations(); t++) {
                long[] expected = plan.globalRows(t, orders).clone();
                long[] union = new long[0];
                for (int w = 0; w < workers; w++) {
                    int[] local = ranks[w].rows(t);
                    assertTrue(local.length <= plan.maxLocalBatch(w, workers));
                    for (int index : local) {
                        long row = shards.rowAt(w, workers, index);
                        assertEquals(w, shards.owner(row, workers));
                        union = Arrays.copyOf(union, union.length + 1);
                        union[union.length - 1] = row;
                    }
                }
                Arrays.sort(expected);
                Arrays.sort(union);
                assertArrayEquals(expected, union, "W=" + workers + " t=" + t);
            }
        }
    }

    @Test
    void sharesAreBalancedAcrossWorkers() {
        EpochPlan plan = new EpochPlan(1, 0, VirtualShards.of(60_000, 256), 128);
        for (int t = 0; t < plan.iterations() - 1; t++) {
            int[] counts = new int[3];
            for (int w = 0; w < 3; w++) {
                counts[w] = plan.worker(w, 3).rows(t).length;
            }
            assertEquals(128, counts[0] + counts[1] + counts[2]);
            for (int c : counts) {
                assertTrue(Math.abs(c - 128 / 3) <= 2, Arrays.toString(counts));
            }
        }
    }

    @Test
    void seededAndDifferentEachEpoch() {
        VirtualShards shards = VirtualShards.of(100, 4);
        EpochPlan e0 = new EpochPlan(5, 0, shards, 10);
        EpochPlan e1 = new EpochPlan(5, 1, shards, 10);
        assertFalse(Arrays.equals(e0.globalRows(0, e0.allOrders()), e1.globalRows(0, e1.allOrders())));
        assertArrayEquals(e1.globalRows(3, e1.allOrders()),
                new EpochPlan(5, 1, shards, 10).globalRows(3, new EpochPlan(5, 1, shards, 10).allOrders()));
        assertFalse(Arrays.equals(e1.globalRows(0, e1.allOrders()),
                new EpochPlan(6, 1, shards, 10).globalRows(0, new EpochPlan(6, 1, shards, 10).allOrders())));
    }

    @Test
    void globalBatchesAreTheWorkersSharesConcatenated() {
        List<int[]> batches = GlobalBatches.of(500, 8, 3, 64, 2, Long.MAX_VALUE);
        List<int[][]> shares = GlobalBatches.shares(500, 8, 3, 3, 64, 2, Long.MAX_VALUE);
        assertEquals(16, batches.size());
        assertEquals(batches.size(), shares.size());
        VirtualShards shards = VirtualShards.of(500, 8);
        for (int i = 0; i < batches.size(); i++) {
            int[] joined = Arrays.stream(shares.get(i)).flatMapToInt(Arrays::stream).sorted().toArray();
            assertArrayEquals(Arrays.stream(batches.get(i)).sorted().toArray(), joined);
            for (int w = 0; w < 3; w++) {
                for (int row : shares.get(i)[w]) {
                    assertEquals(w, shards.owner(row, 3));
                }
            }
        }
        assertEquals(2, GlobalBatches.of(500, 8, 3, 64, 2, 2).size());
    }

    @Test
    void moreWorkersThanShardsIsAConfigError() {
        EpochPlan plan = new EpochPlan(1, 0, VirtualShards.of(3, 256), 2);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> plan.worker(0, 4));
        assertTrue(e.getMessage().contains("training.workers"), e.getMessage());
        assertTrue(e.getMessage().contains("data.virtual-shards"), e.getMessage());
    }
}
