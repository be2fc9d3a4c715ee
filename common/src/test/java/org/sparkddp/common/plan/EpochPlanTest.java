package org.sparkddp.common.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpochPlanTest {
    @Test
    void shardsAreBalancedDisjointAndCoverEveryExample() {
        ShardLayout layout = ShardLayout.balanced(1003, 4, 7);
        Set<Integer> seen = new HashSet<>();
        for (int w = 0; w < 4; w++) {
            int[] members = layout.members(w);
            assertTrue(members.length == 250 || members.length == 251, "size " + members.length);
            for (int m : members) {
                assertTrue(seen.add(m), "example " + m + " in two shards");
            }
        }
        assertEquals(1003, seen.size());
        assertArrayEquals(new int[] {251, 251, 251, 250}, layout.shardSizes());
    }

    @Test
    void layoutDependsOnTheSeedOnly() {
        assertArrayEquals(ShardLayout.balanced(100, 3, 1).members(2), ShardLayout.balanced(100, 3, 1).members(2));
        assertFalse(Arrays.equals(ShardLayout.balanced(100, 3, 1).members(0), ShardLayout.balanced(100, 3, 2).members(0)));
    }

    @Test
    void everyExampleIsUsedExactlyOncePerEpoch() {
        int[] sizes = {10, 9, 9};
        EpochPlan plan = new EpochPlan(42, 3, sizes, 7);
        assertEquals(3, plan.localBatchSize(0));
        assertEquals(2, plan.localBatchSize(2));
        int total = 0;
        for (int w = 0; w < sizes.length; w++) {
            int[] order = plan.shardOrder(w);
            boolean[] used = new boolean[sizes[w]];
            for (int t = 0; t < plan.iterations(); t++) {
                for (int row : plan.rows(order, w, t)) {
                    assertFalse(used[row], "row " + row + " of shard " + w + " used twice");
                    used[row] = true;
                }
            }
            for (boolean u : used) {
                assertTrue(u);
            }
        }
        for (int t = 0; t < plan.iterations(); t++) {
            total += plan.globalCount(t);
        }
        assertEquals(28, total);
    }

    @Test
    void unevenShardsGiveAnEmptyShareInTheLastIteration() {
        EpochPlan plan = new EpochPlan(1, 0, new int[] {4, 3, 3}, 4);
        assertEquals(3, plan.iterations());
        assertEquals(0, plan.rows(plan.shardOrder(0), 0, 2).length);
        assertEquals(2, plan.globalCount(2));
    }

    @Test
    void shufflesDifferBetweenEpochsAndWorkersButRepeatForTheSameSeed() {
        EpochPlan e0 = new EpochPlan(5, 0, new int[] {50, 50}, 10);
        EpochPlan e1 = new EpochPlan(5, 1, new int[] {50, 50}, 10);
        assertFalse(Arrays.equals(e0.shardOrder(0), e1.shardOrder(0)));
        assertFalse(Arrays.equals(e0.shardOrder(0), e0.shardOrder(1)));
        assertArrayEquals(e1.shardOrder(1), new EpochPlan(5, 1, new int[] {50, 50}, 10).shardOrder(1));
    }
}
