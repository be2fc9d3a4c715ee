package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * training.stage-seconds: a stage whose time budget has passed ends at the next iteration every rank agrees on
 * (in average mode, the next average), and the run ends bitwise where a run with one stage per epoch ends.
 *
 * <p>NOTE: the bounded epoch's length is the test's own, not the machine's: every rank waits {@link #PAUSE_MILLIS}
 * before each of the 125 iterations (batches of 16 on 2,000 examples), so that epoch lasts at least 2.5 s however
 * fast the machine computes, and a one-second budget must cut it into two stages or more. A slower machine only cuts
 * it into more.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TimeBoundedStageTest extends FaultInjectionTest {
    private static final long PAUSE_MILLIS = 20;

    /** Runs on the executors (this JVM's task threads): holds each iteration for at least the pause. */
    private static void pause(int rank, long iteration) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PAUSE_MILLIS);
        for (long left = PAUSE_MILLIS * 1_000_000; left > 0; left = until - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    private TrainingResult train(String mode, String stageSeconds) {
        return Distributed.train(sc, data, TestData.config(out, MASTER, "training.mode=" + mode,
                "training.average-every=4", "training.batch-size=16", "training.epochs=1",
                "training.stage-seconds=" + stageSeconds));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "average"})
    void aOneSecondBudgetCutsEpochsIntoStagesWithoutChangingTheResult(String mode) {
        // The pause only where the budget must cut: the unbounded run is the reference, which a pause cannot change.
        TrainingResult unbounded = train(mode, "null");
        FaultInjection.set(TimeBoundedStageTest::pause);
        TrainingResult bounded = train(mode, "1");

        List<StageRecord> stages = bounded.stages();
        System.out.println(mode + ": " + stages.size() + " stages; unbounded epoch took "
                + unbounded.stages().get(0).wallNanos() / 1e9 + " s");
        assertTrue(unbounded.stages().size() == 1, "without a budget an epoch is one stage");
        assertTrue(unbounded.iterations() == 125, "the epoch has " + unbounded.iterations() + " iterations, not 125");
        assertTrue(stages.size() >= 2, "a one-second budget left " + stages.size() + " stage(s) in an epoch held to"
                + " at least " + 125 * PAUSE_MILLIS / 1000.0 + " s");
        long next = 0;
        for (StageRecord s : stages) {
            assertTrue(s.firstIteration() == next, "stage starts at " + s.firstIteration() + ", not " + next);
            assertTrue(s.examples().length == s.iterations() && s.endNanos().length == s.iterations());
            if (mode.equals("average") && s != stages.get(stages.size() - 1)) {
                assertTrue((s.firstIteration() + s.iterations()) % 4 == 0, "a time-bounded stage ended between averages");
            }
            next = s.firstIteration() + s.iterations();
        }
        assertTrue(next == 125, "the stages ran " + next + " iterations, not the epoch's 125");
        StageBoundaryTest.assertSameState(unbounded, bounded);
    }
}
