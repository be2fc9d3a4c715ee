package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.InMemoryCollective;
import org.sparkddp.worker.collective.PeerFailureException;
import org.sparkddp.worker.collective.WireSecret;

/** The communication thread's failures and lifetime: one line naming the bucket, and no thread left behind. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class OverlappedReduceTest {
    private static final List<int[]> LAYERS = List.of(new int[] {6, 10}, new int[] {0, 6});

    private static FloatVector vector(int n) {
        return new FloatVector(ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()));
    }

    /** What a test does with a reduce and its communication thread. */
    private interface Body {
        void run(OverlappedReduce reduce, Thread thread) throws InterruptedException;
    }

    /** A reduce over {@link #LAYERS} and the communication thread it started. */
    private record Started(OverlappedReduce reduce, Thread thread) {
    }

    /**
     * Starts a reduce over {@link #LAYERS} and finds its communication thread by name (as OverlappedStepTest does),
     * among the threads that were not there before, so that one left over by a failed test is never taken for it.
     */
    private static Started start(Collective collective, OverlappedReduce.AfterBucket after, Duration timeout) {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        OverlappedReduce reduce = new OverlappedReduce(collective, vector(12), 10, BucketPlan.of(LAYERS, 12, 4),
                after, timeout);
        String name = OverlappedReduce.THREAD_PREFIX + "rank-" + collective.rank();
        List<Thread> started = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(name) && !before.contains(t)).toList();
        assertEquals(1, started.size(), "threads named " + name + ": " + started);
        return new Started(reduce, started.get(0));
    }

    private static void assertFailsWith(String message, org.junit.jupiter.api.function.Executable call) {
        assertEquals(message, assertThrows(IllegalStateException.class, call).getMessage());
    }

    /** Runs {@code body} on a one-rank reduce over {@link #LAYERS}, closes it, and checks that no thread is left. */
    private static void onOneRank(OverlappedReduce.AfterBucket after, Body body) throws InterruptedException {
        List<InMemoryCollective> group = InMemoryCollective.group(1, Duration.ofSeconds(20));
        Started started = start(group.get(0), after, Duration.ofSeconds(20));
        try {
            body.run(started.reduce(), started.thread());
        } finally {
            started.reduce().close();
            group.forEach(InMemoryCollective::close);
        }
        assertFalse(started.thread().isAlive());
    }

    @Test
    void aPeerThatLeavesFailsTheWaitNamingTheBucketAndTheThreadStops() {
        List<InMemoryCollective> group = InMemoryCollective.group(2, Duration.ofSeconds(20));
        Started started = start(group.get(0), (i, from, to) -> { }, Duration.ofSeconds(20));
        OverlappedReduce reduce = started.reduce();
        Thread thread = started.thread();
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
        assertFalse(thread.isAlive());
    }

    /**
     * The last bucket, [10, 12), is the loss sum and the stop flag, which the task thread writes only after the pass
     * returns: with every range announced, the thread still holds it back until finish().
     */
    @Test
    void theScalarsBucketWaitsForTheEndOfThePassEvenWhenEveryRangeIsAnnounced() throws InterruptedException {
        List<Integer> reduced = new CopyOnWriteArrayList<>();
        AtomicBoolean finished = new AtomicBoolean();
        List<Boolean> scalarsAfterFinish = new CopyOnWriteArrayList<>();
        onOneRank((i, from, to) -> {
            if (from == 10) {
                scalarsAfterFinish.add(finished.get());
            }
            reduced.add(i);
        }, (reduce, thread) -> {
            reduce.begin();
            reduce.ready(0);
            reduce.ready(1); // every range: buckets [6, 10), [2, 6) and [0, 2) are complete
            // the thread reduces those three, then waits (for work, or wrongly goes on to the scalars first)
            while (!(reduced.contains(2) && thread.getState() == Thread.State.WAITING)) {
                Thread.sleep(5); // bounded by the class's timeout
            }
            assertEquals(List.of(0, 1, 2), reduced, "the scalars' bucket went before the pass ended");
            finished.set(true);
            reduce.finish();
            reduce.await();
            assertEquals(List.of(0, 1, 2, 3), reduced);
            assertEquals(List.of(true), scalarsAfterFinish);
        });
    }

    /**
     * On a socket ring whose peer connects and then says nothing, close() interrupts the thread's exchange, which
     * ends it at once: the thread is gone when close() returns, although the ring's own timeout (120 s) is longer
     * than the wait close() allows the thread (60 s).
     */
    @Test
    @Timeout(value = 100, unit = TimeUnit.SECONDS) // the outer bound on "does not hang"
    void closingStopsAThreadWaitingOnASilentRingPeer() throws Exception {
        var rendezvous = StageFixtures.rendezvous(2);
        ExecutorService pool = Executors.newCachedThreadPool();
        List<Future<Collective>> ranks = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            ranks.add(pool.submit(() -> Collectives.connect(CollectiveKind.RING, rank, 2, "127.0.0.1",
                    WireSecret.of("s3cret"), rendezvous.apply(rank), Duration.ofSeconds(120), () -> false,
                    WireFormat.FP32)));
        }
        Collective silent = ranks.get(1).get(30, TimeUnit.SECONDS); // connects, then says nothing
        try (silent; Collective zero = ranks.get(0).get(30, TimeUnit.SECONDS)) {
            Started started = start(zero, (i, from, to) -> { }, Duration.ofSeconds(60));
            OverlappedReduce reduce = started.reduce();
            Thread thread = started.thread();
            while (thread.getState() != Thread.State.WAITING) {
                Thread.sleep(1); // the thread has not reached its wait for work yet; bounded by the test's timeout
            }
            reduce.begin();
            reduce.ready(0); // bucket [6, 10): the thread sends rank 1 its part, and waits for rank 1's
            // Running once ready(0) has returned, the thread is past its wait for work and bound for the exchange
            // (it waits in a selector there, which a thread does running).
            while (thread.getState() != Thread.State.RUNNABLE) {
                Thread.sleep(1); // bounded by the test's timeout
            }
            reduce.close();
            assertFalse(thread.isAlive(), "the communication thread outlived close()");
        } finally {
            pool.shutdownNow();
        }
    }

    /** An Error on the thread (here a failed assertion in the update) fails the wait at once, by name. */
    @Test
    void anErrorOnTheThreadFailsTheWaitNamingTheBucket() throws InterruptedException {
        onOneRank((i, from, to) -> {
            throw new AssertionError("update of bucket " + i + " failed");
        }, (reduce, thread) -> {
            reduce.begin();
            reduce.ready(0);
            reduce.finish();
            assertFailsWith("rank 0: the communication thread failed on bucket 1 of 4 (floats [6, 10)):"
                    + " java.lang.AssertionError: update of bucket 0 failed", reduce::await);
        });
    }

    /** An interrupt that is not close()'s ends the thread, and fails the wait at once, rather than at the timeout. */
    @Test
    void aStrayInterruptFailsTheWait() throws InterruptedException {
        onOneRank((i, from, to) -> { }, (reduce, thread) -> {
            reduce.begin();
            while (thread.getState() != Thread.State.WAITING) {
                Thread.sleep(1); // bounded by the class's timeout
            }
            thread.interrupt(); // while it waits for bucket 1, which no range has completed
            assertFailsWith("rank 0: the communication thread was interrupted while waiting for bucket 1 of 4"
                    + " (floats [6, 10))", reduce::await);
        });
    }

    /** Between iterations too: the next iteration's begin() fails, naming the interrupt. */
    @Test
    void aStrayInterruptBetweenIterationsFailsTheNext() throws InterruptedException {
        onOneRank((i, from, to) -> { }, (reduce, thread) -> {
            reduce.begin();
            reduce.finish();
            reduce.await();
            thread.interrupt();
            while (thread.isAlive()) {
                Thread.sleep(1); // bounded by the class's timeout
            }
            assertFailsWith("rank 0: the communication thread was interrupted while waiting for the next iteration",
                    reduce::begin);
        });
    }

    @Test
    void aThreadWaitingForWorkStopsWhenTheStageEnds() {
        List<InMemoryCollective> group = InMemoryCollective.group(1, Duration.ofSeconds(20));
        Started started = start(group.get(0), (i, from, to) -> { }, Duration.ofSeconds(20));
        OverlappedReduce reduce = started.reduce();
        Thread thread = started.thread();
        reduce.begin();
        reduce.ready(0); // the stage fails in the middle of the backward pass
        reduce.close();
        assertFalse(thread.isAlive());
        assertThrows(IllegalStateException.class, reduce::begin);
    }

    @Test
    void aSilentPeerFailsTheWaitWithinTheTimeout() {
        List<InMemoryCollective> group = InMemoryCollective.group(2, Duration.ofSeconds(1));
        Started started = start(group.get(0), (i, from, to) -> { }, Duration.ofSeconds(1));
        OverlappedReduce reduce = started.reduce();
        Thread thread = started.thread();
        try {
            reduce.begin();
            reduce.finish(); // rank 1 never calls: a bound (the wait's or the collective's) fails the bucket
            PeerFailureException e = assertThrows(PeerFailureException.class, reduce::await);
            assertTrue(e.getMessage().contains("bucket 1 of 4"), e.getMessage());
        } finally {
            reduce.close();
            group.forEach(InMemoryCollective::close);
        }
        assertFalse(thread.isAlive());
    }
}
