package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/**
 * The watch that ends a stage attempt whose task slots were lost before Spark launched it: it cancels once the
 * slots have been short for the whole wait, never for a shortfall that ended in time, never after it was closed,
 * and the cancelled job fails as a lost executor.
 */
class SlotWatchTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void cancelsOnceTheSlotsHaveBeenShortForTheWholeWait() {
        AtomicInteger slots = new AtomicInteger(2);
        AtomicLong clock = new AtomicLong();
        AtomicInteger cancels = new AtomicInteger();
        SlotWatch watch = new SlotWatch(slots::get, 2, Duration.ofSeconds(3), cancels::incrementAndGet, clock::get);
        watch.poll();
        slots.set(1);
        clock.addAndGet(SECOND);
        watch.poll(); // short from here
        clock.addAndGet(2 * SECOND);
        watch.poll();
        assertEquals(0, cancels.get(), "2 s of 3");
        slots.set(2); // a replacement registered: the shortfall is forgotten
        watch.poll();
        slots.set(1);
        clock.addAndGet(2 * SECOND);
        watch.poll();
        clock.addAndGet(2 * SECOND);
        watch.poll();
        assertEquals(0, cancels.get(), "2 s of 3 since the replacement");
        clock.addAndGet(SECOND);
        watch.poll();
        watch.poll();
        assertEquals(1, cancels.get(), "3 s short: cancelled, once");
        assertTrue(watch.close());
    }

    @Test
    void aClosedWatchNeverCancels() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger cancels = new AtomicInteger();
        SlotWatch watch = new SlotWatch(() -> 0, 2, Duration.ZERO, cancels::incrementAndGet, clock::get);
        assertFalse(watch.close());
        watch.poll();
        assertEquals(0, cancels.get());
        assertFalse(watch.close());
    }

    @Test
    void aStoppedSparkContextIsNotAShortfall() {
        AtomicInteger cancels = new AtomicInteger();
        SlotWatch watch = new SlotWatch(() -> {
            throw new IllegalStateException("SparkContext was shut down");
        }, 2, Duration.ZERO, cancels::incrementAndGet, System::nanoTime);
        watch.poll();
        assertEquals(0, cancels.get());
    }

    /** A job that waits for ever for slots (as Spark does for a barrier stage) ends as a lost executor. */
    @Test
    void aJobWaitingForLostSlotsFailsAsALostExecutor() {
        CountDownLatch cancelled = new CountDownLatch(1);
        SparkException sparkCancel = new SparkException("Job 7 cancelled part of cancelled job group spark-ddp-x");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> SlotWatch.guard(() -> 1, 2,
                Duration.ofMillis(300), cancelled::countDown, () -> {
                    try {
                        assertTrue(cancelled.await(30, TimeUnit.SECONDS), "the watch did not cancel");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return sneaky(sparkCancel);
                }));
        assertTrue(thrown instanceof SlotWatch.SlotsLostException, thrown.toString());
        assertSame(sparkCancel, thrown.getCause());
        assertEquals("the stage needs 2 task slots at once but executors were lost: the cluster had 1 for"
                + " training.replacement-wait (300ms)", thrown.getMessage());
        FailureClassifier.Evidence nothing = new FailureClassifier.Evidence(List.of(), List.of(), Map.of(), false,
                false);
        assertEquals(FailureKind.LOST_EXECUTOR, FailureClassifier.classify(thrown, nothing, false).kind());
        assertEquals(FailureKind.OTHER, FailureClassifier.classify(sparkCancel, nothing, false).kind(),
                "the same cancel without the watch's word is no lost executor");
    }

    /**
     * A job whose slots are all there, or that fails by itself, is left alone and fails as itself. Each job runs
     * until the watch has looked at the slots three times (its polls, counted), not for a time that a slow machine
     * could pass without a poll.
     */
    @Test
    void aJobWithItsSlotsIsLeftAlone() {
        IllegalArgumentException own = new IllegalArgumentException("bad");
        assertSame(own, assertThrows(IllegalArgumentException.class, () -> guardForThreePolls(2, () -> {
            throw own;
        })));
        assertEquals("done", guardForThreePolls(3, () -> "done"));
    }

    /** A guarded job of 2 workers that the watch, seeing {@code slots}, looks at three times before it ends. */
    private static <T> T guardForThreePolls(int slots, java.util.function.Supplier<T> end) {
        AtomicInteger polls = new AtomicInteger();
        return SlotWatch.guard(() -> {
            polls.incrementAndGet();
            return slots;
        }, 2, Duration.ZERO, () -> {
            throw new AssertionError("cancelled");
        }, () -> {
            awaitPolls(polls, 3);
            return end.get();
        });
    }

    /** Waits until {@code polls} reaches {@code count}; the bound only ends a watch that stopped polling. */
    private static void awaitPolls(AtomicInteger polls, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (polls.get() < count) {
            assertTrue(System.nanoTime() < deadline, "the watch polled " + polls.get() + " times in 30 s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T, E extends Throwable> T sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
