package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * A rank that hangs (rather than dies) mid-stage: its peers' waits end at training.sync-timeout, the barrier stage
 * fails, Spark kills the hung task (the job runs with interrupt-on-cancel, so the kill interrupts it and marks its
 * task context), which frees its slot, and the driver resubmits the stage from the same broadcast. The result is
 * bit for bit an undisturbed run's. Local mode, like {@link StageRetryTest}: the executors are this JVM.
 *
 * <p>Tagged slow: most of its time is spent waiting out the sync timeout, once per mode, which the quick set
 * (deploy/test --quick) cannot spare; StageRetryTest covers the resubmitted stage there.
 */
@Tag("slow")
class HungRankTest extends FaultInjectionTest {
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(3);
    /** How long the hung rank would block if nothing killed it: longer than the whole test should take. */
    private static final Duration HANG_CAP = Duration.ofSeconds(120);

    private TrainingResult train(String mode) {
        return Distributed.train(sc, data, TestData.config(out, MASTER, "training.mode=" + mode,
                "training.average-every=3", "training.epochs=2", "training.max-iterations=20",
                "training.iterations-per-stage=12", "training.sync-timeout=" + SYNC_TIMEOUT.toSeconds() + "s"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "average"})
    void aHungRankIsKilledAndItsStageRetriedWithinTheSyncTimeout(String mode) {
        TrainingResult undisturbed = train(mode);

        AtomicInteger hangs = new AtomicInteger();
        AtomicInteger killed = new AtomicInteger();
        AtomicLong hungNanos = new AtomicLong();
        FaultInjection.set((rank, iteration) -> {
            // Rank 1 hangs once, in the middle of the first stage (iterations 0-11).
            if (rank == 1 && iteration == 7 && hangs.getAndIncrement() == 0) {
                long start = System.nanoTime();
                boolean wasKilled = HungRank.hang(HANG_CAP);
                hungNanos.set(System.nanoTime() - start);
                if (wasKilled) {
                    killed.incrementAndGet();
                    throw new IllegalStateException("hung rank 1 killed before iteration 7");
                }
            }
        });
        TrainingResult retried = train(mode);

        assertEquals(2, hangs.get(), "rank 1 should reach iteration 7 twice: hanging, then on the resubmitted stage");
        assertEquals(1, killed.get(), "the hung task was not killed: it would keep its slot");
        StageRecord first = retried.stages().get(0);
        assertEquals(2, first.attempts(), "the first stage should have been resubmitted once");
        assertTrue(retried.stages().stream().skip(1).allMatch(s -> s.attempts() == 1));
        // Correctness bounds, not speed: the failed attempt ends at the peers' sync timeout, and the hung task is
        // released with it, far below the hang's own cap.
        Duration margin = Duration.ofSeconds(20);
        assertTrue(first.failedNanos() < SYNC_TIMEOUT.plus(margin).toNanos(),
                "the failed attempt took " + first.failedNanos() / 1e9 + " s");
        assertTrue(hungNanos.get() < SYNC_TIMEOUT.plus(margin).toNanos(),
                "the hung rank was released after " + hungNanos.get() / 1e9 + " s");
        System.out.printf("hung rank (%s): failed attempt %.2f s, hung task released after %.2f s%n", mode,
                first.failedNanos() / 1e9, hungNanos.get() / 1e9);

        assertEquals(finalState(undisturbed).iteration(), finalState(retried).iteration());
        assertTrue(Arrays.equals(finalState(undisturbed).params(), finalState(retried).params()),
                "parameters differ after the retry");
        assertTrue(Arrays.equals(finalState(undisturbed).updaterState(), finalState(retried).updaterState()),
                "optimizer state differs");
    }
}
