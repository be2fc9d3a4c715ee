package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How the overlapped step cuts the exchanged vector into buckets, from the backward pass's finished ranges. */
class BucketPlanTest {
    private static BucketPlan.Bucket bucket(long from, long to, int parts) {
        return new BucketPlan.Bucket(from, to, parts);
    }

    /** A chain's layers [0,10) [10,30) [30,35), finished last first, and two scalars after them. */
    private static final List<int[]> CHAIN = List.of(new int[] {30, 35}, new int[] {10, 30}, new int[] {0, 10});

    @Test
    void adjacentLayersJoinABucketWhileItFits() {
        BucketPlan plan = BucketPlan.of(CHAIN, 37, 25);
        assertEquals(List.of(bucket(10, 35, 2), bucket(0, 10, 1), bucket(35, 37, 0)), plan.buckets());
        assertArrayEquals(new int[] {0}, plan.feeds(0));
        assertArrayEquals(new int[] {0}, plan.feeds(1));
        assertArrayEquals(new int[] {1}, plan.feeds(2));
    }

    @Test
    void aLayerLargerThanTheCapIsCutFromItsEnd() {
        BucketPlan plan = BucketPlan.of(CHAIN, 37, 8);
        assertEquals(List.of(bucket(30, 35, 1), bucket(22, 30, 1), bucket(14, 22, 1), bucket(10, 14, 1),
                bucket(2, 10, 1), bucket(0, 2, 1), bucket(35, 37, 0)), plan.buckets());
        assertArrayEquals(new int[] {1, 2, 3}, plan.feeds(1));
    }

    @Test
    void aCapAboveTheVectorMakesOneBucketOfTheLayersAndOneOfTheRest() {
        assertEquals(List.of(bucket(0, 35, 3), bucket(35, 37, 0)), BucketPlan.of(CHAIN, 37, 1 << 20).buckets());
    }

    @Test
    void whatNoRangeCoversIsReducedAfterThePass() {
        // a layer the pass never announces (say, [10, 30)): its floats, and the scalars, wait for the pass's end
        BucketPlan plan = BucketPlan.of(List.of(new int[] {30, 35}, new int[] {0, 10}), 37, 100);
        assertEquals(List.of(bucket(30, 35, 1), bucket(0, 10, 1), bucket(10, 30, 0), bucket(35, 37, 0)),
                plan.buckets());
        // no range feeds the last two: parts 0, which OverlappedReduce holds back until finish()
        assertArrayEquals(new int[] {0}, plan.feeds(0));
        assertArrayEquals(new int[] {1}, plan.feeds(1));
    }

    @Test
    void overlappingRangesAreABug() {
        assertThrows(IllegalArgumentException.class,
                () -> BucketPlan.of(List.of(new int[] {0, 10}, new int[] {5, 20}), 20, 8));
        assertThrows(IllegalArgumentException.class, () -> BucketPlan.of(List.of(new int[] {0, 30}), 20, 8));
    }
}
