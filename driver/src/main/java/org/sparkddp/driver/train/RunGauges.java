package org.sparkddp.driver.train;

import org.sparkddp.driver.spark.RunFigures;
import org.sparkddp.worker.stage.ProgressAccumulator;

/**
 * Publishes the run's figures for the metrics gauges ({@link org.sparkddp.driver.spark.TrainingMetricsPlugin}).
 * Runs on the driver, as a training listener: {@link #onStage} on the training thread between stages, from the
 * stage's record (figures the ranks reported, a few numbers each); {@link #onProgress} on Spark's listener thread,
 * from executor heartbeats, so that the iteration and loss move during a long stage too. Each call is one volatile
 * write ({@link RunFigures#publish}).
 */
final class RunGauges implements TrainingListener {
    private final String runId;
    /** Read and written on both threads; the figures are only ever replaced whole. */
    private RunFigures figures;

    RunGauges(String runId) {
        this.runId = runId;
        this.figures = new RunFigures(runId, 0, 0, Double.NaN, 0, 0, 0, 0, 0, 0);
        RunFigures.publish(figures);
    }

    @Override
    public synchronized void onProgress(ProgressAccumulator.Tick tick, int iterationsInEpoch, int epochs) {
        RunFigures f = figures;
        if (tick.iteration() > f.iteration()) {
            publish(new RunFigures(runId, tick.iteration(), tick.epoch() + 1, tick.loss(), f.samplesPerSecond(),
                    f.computeMs(), f.syncMs(), f.workers(), f.retries(), f.stages()));
        }
    }

    @Override
    public synchronized void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
        int n = stage.iterations();
        if (n == 0) {
            return;
        }
        RunFigures f = figures;
        publish(new RunFigures(runId, stage.firstIteration() + n, stage.epoch() + 1, stage.losses()[n - 1],
                stage.totalExamples() / (stage.wallNanos() / 1e9), stage.computeNanos() / 1e6 / n,
                stage.allReduceNanos() / 1e6 / n, stage.workers(), f.retries() + stage.attempts() - 1,
                f.stages() + 1));
    }

    private void publish(RunFigures next) {
        figures = next;
        RunFigures.publish(next);
    }
}
