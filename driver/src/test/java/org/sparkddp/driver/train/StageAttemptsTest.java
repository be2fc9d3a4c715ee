package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

class StageAttemptsTest {
    private static final String NO_SLOTS = "[SPARK-24819]: Barrier execution mode does not allow run a barrier stage"
            + " that requires more slots than the total number of slots in the cluster currently.";

    @Test
    void aFailedAttemptIsResubmittedAndItsLostIterationsCounted() {
        AtomicInteger calls = new AtomicInteger();
        StageAttempts.Outcome<String> outcome = StageAttempts.run(3, 2, "epoch 2", 100, () -> 130, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("ExecutorLostFailure (executor 1 exited)");
            }
            return "done";
        });
        assertEquals("done", outcome.result());
        assertEquals(2, outcome.attempts());
        assertEquals(30, outcome.redoneIterations());
        assertTrue(outcome.failedNanos() > 0);
    }

    @Test
    void theLastAttemptsFailureEndsTheJobNamingTheStage() {
        StageFailedException e = assertThrows(StageFailedException.class, () -> StageAttempts.run(2, 2, "epoch 2",
                0, () -> -1, () -> {
                    throw new IllegalStateException("java.io.IOException: peer gone");
                }));
        assertEquals("stage epoch 2 failed on all 2 attempts: java.io.IOException: peer gone", e.getMessage());
    }

    @Test
    void tooFewSlotsAtTheStartIsAConfigError() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> StageAttempts.run(3, 4, "epoch 1",
                0, () -> -1, () -> {
                    throw new IllegalStateException(NO_SLOTS);
                }));
        assertTrue(e.getMessage().startsWith("training.workers: is 4 but the cluster cannot run"), e.getMessage());
    }

    @Test
    void tooFewSlotsAfterAFailureBlamesTheLostExecutorsNotTheConfig() {
        AtomicInteger calls = new AtomicInteger();
        StageFailedException e = assertThrows(StageFailedException.class, () -> StageAttempts.run(3, 2, "epoch 2",
                0, () -> -1, () -> {
                    throw new IllegalStateException(calls.incrementAndGet() == 1 ? "ExecutorLostFailure" : NO_SLOTS);
                }));
        assertTrue(e.getMessage().contains("no longer has 2 free task slots"), e.getMessage());
    }

    @Test
    void badInputIsNotRetried() {
        AtomicInteger calls = new AtomicInteger();
        assertThrows(InvalidDataException.class, () -> StageAttempts.run(3, 2, "epoch 1", 0, () -> -1, () -> {
            calls.incrementAndGet();
            throw new InvalidDataException("f", "bad");
        }));
        assertEquals(1, calls.get());
    }
}
