package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.spark.RunFigures;
import org.sparkddp.worker.stage.ProgressAccumulator;

/** The gauges' figures, from the stage records and heartbeat ticks the training loop hands its listeners. */
class RunGaugesTest {
    /** A stage of {@code losses.length} iterations of 32 examples each, 2 s on the driver, 1.5 s computing. */
    private static StageRecord stage(int epoch, long first, float[] losses, int attempts, int workers) {
        int[] examples = new int[losses.length];
        java.util.Arrays.fill(examples, 32);
        return new StageRecord(epoch, first, losses, examples, new long[losses.length], 2_000_000_000L,
                1_500_000_000L, 400_000_000L, attempts, 0, 0, List.of(), workers, List.of());
    }

    @Test
    void aNewRunStartsFromZeroAndEachStagePublishesItsFigures() {
        RunGauges gauges = new RunGauges("run-a");
        RunFigures start = RunFigures.current();
        assertEquals("run-a", start.runId());
        assertEquals(0, start.iteration());
        assertTrue(Double.isNaN(start.loss()));

        gauges.onStage(stage(0, 0, new float[] {2.3f, 2.1f, 1.9f, 1.7f}, 1, 2), 10, 3);
        RunFigures f = RunFigures.current();
        assertEquals(4, f.iteration());
        assertEquals(1, f.epoch());
        assertEquals(1.7f, f.loss(), 0);
        assertEquals(4 * 32 / 2.0, f.samplesPerSecond(), 1e-9);
        assertEquals(1500.0 / 4, f.computeMs(), 1e-9);
        assertEquals(400.0 / 4, f.syncMs(), 1e-9);
        assertEquals(2, f.workers());
        assertEquals(0, f.retries());
        assertEquals(1, f.stages());

        // A resubmitted stage on one worker fewer: the retries add up over the run.
        gauges.onStage(stage(1, 10, new float[] {1.2f, 1.1f}, 3, 1), 10, 3);
        gauges.onStage(stage(1, 12, new float[] {1.0f}, 2, 1), 10, 3);
        f = RunFigures.current();
        assertEquals(13, f.iteration());
        assertEquals(2, f.epoch());
        assertEquals(1.0f, f.loss(), 0);
        assertEquals(1, f.workers());
        assertEquals(3, f.retries());
        assertEquals(3, f.stages());
    }

    @Test
    void heartbeatsMoveTheIterationAndLossForwardOnlyAndKeepTheStageFigures() {
        RunGauges gauges = new RunGauges("run-b");
        gauges.onStage(stage(0, 0, new float[] {2.0f, 1.8f}, 1, 2), 10, 3);
        gauges.onProgress(new ProgressAccumulator.Tick(0, 5, 5, 1.5f), 10, 3);
        RunFigures f = RunFigures.current();
        assertEquals(5, f.iteration());
        assertEquals(1.5f, f.loss(), 0);
        assertEquals(2, f.workers());
        assertEquals(1, f.stages());
        // A late heartbeat from before the stage's end changes nothing.
        gauges.onProgress(new ProgressAccumulator.Tick(0, 3, 3, 1.9f), 10, 3);
        assertEquals(f, RunFigures.current());
        // A stage with no iterations (resumed at its end) reports nothing new.
        gauges.onStage(stage(0, 5, new float[0], 1, 2), 10, 3);
        assertEquals(f, RunFigures.current());
    }
}
