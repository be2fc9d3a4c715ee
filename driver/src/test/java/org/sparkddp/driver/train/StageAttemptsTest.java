package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.BarrierJobSlotsNumberCheckFailed;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

class StageAttemptsTest {
    /** Spark's barrier slot check, as its DAGScheduler fails a job with it (by type, not by its SPARK-24819 text). */
    private static RuntimeException noSlots(int required) {
        return new RuntimeException(new org.apache.spark.SparkException("job aborted",
                new BarrierJobSlotsNumberCheckFailed(required, 1)));
    }

    @Test
    void aFailedAttemptIsResubmittedAndItsLostIterationsCounted() {
        AtomicInteger calls = new AtomicInteger();
        StageAttempts.Outcome<String> outcome = Attempts.run(3, 2, "epoch 2", 100, () -> 130, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("ExecutorLostFailure (executor 1 exited)");
            }
            return "done";
        });
        assertEquals("done", outcome.result());
        assertEquals(2, outcome.attempts());
        assertEquals(2, calls.get());
        assertEquals(30, outcome.redoneIterations());
    }

    @Test
    void failedTimeIsTheSumOfTheFailedAttemptsAlone() {
        // A clock only the job moves: attempts 1 and 2 fail after 5 and 7 s, attempt 3 succeeds after 11 s. Counting
        // the successful attempt (23 s), only the last failure (7 s) or the real clock (about 0) would all differ.
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        long[] seconds = {5, 7, 11};
        AtomicInteger calls = new AtomicInteger();
        StageAttempts.Outcome<String> outcome = Attempts.run(3, 2, "epoch 2", 0, () -> -1, () -> {
            int attempt = calls.incrementAndGet();
            clock.addAndGet(seconds[attempt - 1] * 1_000_000_000L);
            if (attempt < 3) {
                throw new IllegalStateException("ExecutorLostFailure (executor " + attempt + " exited)");
            }
            return "done";
        }, clock::get);
        assertEquals(3, outcome.attempts());
        assertEquals(12_000_000_000L, outcome.failedNanos());
    }

    @Test
    void aFirstAttemptThatSucceedsCostsNothing() {
        AtomicLong clock = new AtomicLong();
        StageAttempts.Outcome<String> outcome = Attempts.run(3, 2, "epoch 1", 0, () -> 50, () -> {
            clock.addAndGet(9_000_000_000L);
            return "done";
        }, clock::get);
        assertEquals(1, outcome.attempts());
        assertEquals(0, outcome.redoneIterations());
        assertEquals(0, outcome.failedNanos());
    }

    @Test
    void aRepeatAttemptsLostIterationsCountOnlyOnceItPassesTheEarlierOnesProgress() {
        // Heartbeats report only progress beyond the furthest seen. Attempt 1 fails at 130 (30 redone); attempt 2
        // fails before passing 130, so the reading is unchanged and 0 is certain; attempt 3 fails at 145 (45 redone).
        long[] reachedAtFailure = {130, 130, 145};
        AtomicInteger calls = new AtomicInteger();
        AtomicLong reached = new AtomicLong(-1);
        StageAttempts.Outcome<String> outcome = Attempts.run(4, 2, "epoch 2", 100, reached::get, () -> {
            int attempt = calls.incrementAndGet();
            if (attempt <= reachedAtFailure.length) {
                reached.set(reachedAtFailure[attempt - 1]);
                throw new IllegalStateException("ExecutorLostFailure");
            }
            return "done";
        });
        assertEquals(4, outcome.attempts());
        assertEquals(30 + 0 + 45, outcome.redoneIterations());
    }

    @Test
    void theLastAttemptsFailureEndsTheJobNamingTheStage() {
        StageFailedException e = assertThrows(StageFailedException.class, () -> Attempts.run(2, 2, "epoch 2",
                0, () -> -1, () -> {
                    throw new IllegalStateException("java.io.IOException: peer gone");
                }));
        assertEquals("stage epoch 2 failed on all 2 attempts: java.io.IOException: peer gone", e.getMessage());
    }

    @Test
    void tooFewSlotsAtTheStartIsAConfigError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> Attempts.run(3, 4, "epoch 1",
                0, () -> -1, () -> {
                    throw noSlots(4);
                }));
        assertTrue(e.getMessage().startsWith("training.workers: is 4 but the cluster cannot run"), e.getMessage());
    }

    @Test
    void tooFewSlotsAfterAFailureBlamesTheLostExecutorsNotTheConfig() {
        AtomicInteger calls = new AtomicInteger();
        StageFailedException e = assertThrows(StageFailedException.class, () -> Attempts.run(3, 2, "epoch 2",
                0, () -> -1, () -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IllegalStateException("ExecutorLostFailure");
                    }
                    throw noSlots(2);
                }));
        assertTrue(e.getMessage().contains("no longer has 2 free task slots"), e.getMessage());
        // The console said "attempt 1 of 3" before: the end is attempt 2 of 3, not "all 2 attempts".
        assertTrue(e.getMessage().startsWith("stage epoch 2 failed on attempt 2 of 3 and cannot be resubmitted: "),
                e.getMessage());
    }

    @Test
    void badInputIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(InvalidDataException.class, () -> Attempts.run(3, 2, "epoch 1", 0, () -> -1, () -> {
            calls.incrementAndGet();
            throw new InvalidDataException("f", "bad");
        }));
        assertEquals(1, calls.get());
    }

    /** The driver's thread interrupted while it waited for the stage: the command is stopping, nothing to retry. */
    @Test
    void anInterruptedDriverIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(StageFailedException.class, () -> Attempts.run(3, 2, "epoch 1", 0, () -> -1, () -> {
            calls.incrementAndGet();
            throw sneaky(new InterruptedException());
        }));
        assertEquals(1, calls.get());
    }

    /** As Spark does: a checked exception thrown where none is declared. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
