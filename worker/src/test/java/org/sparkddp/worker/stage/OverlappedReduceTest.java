package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.InMemoryCollective;
import org.sparkddp.worker.collective.PeerFailureException;

/** The communication thread's failures and lifetime: one line naming the bucket, and no thread left behind. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class OverlappedReduceTest {
    private static final List<int[]> LAYERS = List.of(new int[] {6, 10}, new int[] {0, 6});

    private static FloatVector vector(int n) {
        return new FloatVector(ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()));
    }

    @Test
    void aPeerThatLeavesFailsTheWaitNamingTheBucketAndTheThreadStops() {
        List<InMemoryCollective> group = InMemoryCollective.group(2, Duration.ofSeconds(20));
        OverlappedReduce reduce = new OverlappedReduce(group.get(0), vector(12), 10, BucketPlan.of(LAYERS, 12, 4),
                (i, from, to) -> { }, Duration.ofSeconds(20));
        try {
            reduce.begin();
            reduce.ready(0); // buckets [6, 10) is complete: the thread starts it, and waits for rank 1
            group.get(1).close(); // rank 1's task ends
            reduce.finish();
            PeerFailureException e = assertThrows(PeerFailureException.class, reduce::await);
            assertTrue(e.getMessage().startsWith("rank 0: the communication thread failed on bucket 1 of 4 (floats"
                    + " [6, 10)): "), e.getMessage());
            assertTrue(e.getMessage().contains("rank 1"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        } finally {
            reduce.close();
        }
        assertFalse(reduce.threadAlive());
    }

    @Test
    void aThreadWaitingForWorkStopsWhenTheStageEnds() {
        List<InMemoryCollective> group = InMemoryCollective.group(1, Duration.ofSeconds(20));
        OverlappedReduce reduce = new OverlappedReduce(group.get(0), vector(12), 10, BucketPlan.of(LAYERS, 12, 4),
                (i, from, to) -> { }, Duration.ofSeconds(20));
        reduce.begin();
        reduce.ready(0); // the stage fails in the middle of the backward pass
        reduce.close();
        assertFalse(reduce.threadAlive());
        assertThrows(IllegalStateException.class, reduce::begin);
    }

    @Test
    void aSilentPeerFailsTheWaitWithinTheTimeout() {
        List<InMemoryCollective> group = InMemoryCollective.group(2, Duration.ofSeconds(1));
        OverlappedReduce reduce = new OverlappedReduce(group.get(0), vector(12), 10, BucketPlan.of(LAYERS, 12, 4),
                (i, from, to) -> { }, Duration.ofSeconds(1));
        try {
            reduce.begin();
            reduce.finish(); // rank 1 never calls: a bound (the wait's or the collective's) fails the bucket
            PeerFailureException e = assertThrows(PeerFailureException.class, reduce::await);
            assertTrue(e.getMessage().contains("bucket 1 of 4"), e.getMessage());
        } finally {
            reduce.close();
            group.forEach(InMemoryCollective::close);
        }
        assertFalse(reduce.threadAlive());
    }
}
