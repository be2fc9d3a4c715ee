package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.bench.Benchmark;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingResult;

/**
 * training.stage-seconds: a stage whose time budget has passed ends at the next iteration every rank agrees on
 * (in average mode, the next average), and the run ends bitwise where a run with one stage per epoch ends. The
 * network is wide (two layers of 1,024) and the batches small (16, so 125 iterations, each exchanging 7.5 MB), so
 * that an epoch takes several seconds even on a fast machine and a one-second budget cuts it into several stages.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class TimeBoundedStageTest extends LocalSparkTest {
    private TrainingResult train(String mode, String stageSeconds) {
        return Distributed.train(sc, data, TestData.config(out, "training.mode=" + mode, "training.average-every=4",
                "model.layers=" + Benchmark.dense(1024, 1024), "training.batch-size=16", "training.epochs=1",
                "training.stage-seconds=" + stageSeconds));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "average"})
    void aOneSecondBudgetCutsEpochsIntoStagesWithoutChangingTheResult(String mode) {
        TrainingResult unbounded = train(mode, "null");
        TrainingResult bounded = train(mode, "1");

        List<StageRecord> stages = bounded.stages();
        System.out.println(mode + ": " + stages.size() + " stages; unbounded epoch took "
                + unbounded.stages().get(0).wallNanos() / 1e9 + " s");
        assertTrue(unbounded.stages().size() == 1, "without a budget an epoch is one stage");
        assertTrue(stages.size() >= 2, "a one-second budget left " + stages.size() + " stage(s) in an epoch of "
                + unbounded.stages().get(0).wallNanos() / 1e9 + " s");
        long next = 0;
        for (StageRecord s : stages) {
            assertTrue(s.firstIteration() == next, "stage starts at " + s.firstIteration() + ", not " + next);
            assertTrue(s.examples().length == s.iterations() && s.endNanos().length == s.iterations());
            if (mode.equals("average") && s != stages.get(stages.size() - 1)) {
                assertTrue((s.firstIteration() + s.iterations()) % 4 == 0, "a time-bounded stage ended between averages");
            }
            next = s.firstIteration() + s.iterations();
        }
        StageBoundaryTest.assertSameState(unbounded, bounded);
    }
}
