package org.sparkddp.driver.output;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.driver.train.EpochRecord;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingListener;
import org.sparkddp.worker.stage.ProgressAccumulator;

/**
 * The console view of training: a live progress line (epoch, iteration, loss, samples/s, ETA) that rewrites
 * itself on a terminal and becomes a plain line every {@code output.progress-every} when output goes to a file or a
 * cluster log; one line saying how the executors compute (the layers' engine and the step rule, with the reason for any
 * fallback) after the first stage and whenever it changes; and one summary line per epoch. Runs on the driver (progress arrives on Spark's listener thread).
 */
public final class ConsoleProgress implements TrainingListener {
    private final PrintStream out;
    private final boolean interactive;
    private final long totalIterations;
    private final int batchSize;
    private final Duration plainEvery;
    private long lastTickNanos;
    private long lastTickIteration;
    private double secondsPerIteration = Double.NaN;
    private long lastPlainNanos;
    private boolean lineOpen;
    /** The compute path last shown: a line is printed for the first stage's, and again only when it changes. */
    private ComputePath computePath = ComputePath.UNREPORTED;

    /**
     * @param totalIterations iterations the whole run will take, for the ETA
     * @param interactive     true on a terminal: rewrite one line in place
     * @param plainEvery      the least time between two plain progress lines ({@code output.progress-every})
     */
    public ConsoleProgress(PrintStream out, boolean interactive, long totalIterations, int batchSize,
                           Duration plainEvery) {
        this.plainEvery = plainEvery;
        this.out = out;
        this.interactive = interactive;
        this.totalIterations = totalIterations;
        this.batchSize = batchSize;
        this.lastTickNanos = System.nanoTime();
        this.lastPlainNanos = System.nanoTime();
    }

    @Override
    public synchronized void onProgress(ProgressAccumulator.Tick tick, int iterationsInEpoch, int epochs) {
        if (tick.iteration() <= lastTickIteration) {
            return; // a heartbeat from a stage whose end onStage has already shown
        }
        long now = System.nanoTime();
        if (lastTickIteration > 0) {
            double rate = (now - lastTickNanos) / 1e9 / (tick.iteration() - lastTickIteration);
            secondsPerIteration = Double.isNaN(secondsPerIteration) ? rate : 0.5 * secondsPerIteration + 0.5 * rate;
        }
        lastTickNanos = now;
        lastTickIteration = tick.iteration();
        show(tick, iterationsInEpoch, epochs, now);
    }

    private void show(ProgressAccumulator.Tick tick, int iterationsInEpoch, int epochs, long now) {
        String line = String.format(Locale.ROOT, "epoch %d/%d · iteration %d/%d · loss %.4f · %s samples/s · ETA %s",
                tick.epoch() + 1, epochs, tick.iterationInEpoch(), iterationsInEpoch, tick.loss(),
                Double.isNaN(secondsPerIteration) ? "-" : String.format(Locale.ROOT, "%,.0f", batchSize / secondsPerIteration),
                eta(tick.iteration()));
        if (interactive) {
            out.print("\r" + line + "\u001b[K");
            out.flush();
            lineOpen = true;
        } else if (now - lastPlainNanos >= plainEvery.toNanos()) {
            out.println(line);
            lastPlainNanos = now;
        }
    }

    @Override
    public synchronized void onResize(org.sparkddp.driver.train.Resize resize) {
        closeLine();
        out.println("resize: " + resize.describe());
    }

    @Override
    public synchronized void onExecutorJoined(String executorId, String host, int slots, int workers) {
        closeLine();
        out.println("executors: executor " + executorId + " joined on " + host + " · " + slots + " task slots for "
                + workers + " worker" + (workers == 1 ? "" : "s"));
        out.flush();
    }

    @Override
    public synchronized void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
        if (stage.iterations() == 0) {
            return;
        }
        if (!stage.computePath().equals(computePath) && !stage.computePath().equals(ComputePath.UNREPORTED)) {
            computePath = stage.computePath();
            closeLine();
            out.println("compute: " + computePath.describe());
        }
        long done = stage.firstIteration() + stage.iterations();
        double stageSeconds = stage.wallNanos() / 1e9;
        secondsPerIteration = stageSeconds / stage.iterations();
        boolean shown = done <= lastTickIteration;
        lastTickIteration = done;
        lastTickNanos = System.nanoTime();
        // The stage's end, where no heartbeat showed it: progress never depends on heartbeats reaching the driver.
        if (!shown) {
            show(new ProgressAccumulator.Tick(stage.epoch(), (int) (done - (long) stage.epoch() * iterationsInEpoch),
                    done, stage.losses()[stage.iterations() - 1]), iterationsInEpoch, epochs, lastTickNanos);
        }
    }

    @Override
    public synchronized void onEpoch(EpochRecord e, int epochs) {
        closeLine();
        out.println(String.format(Locale.ROOT,
                "epoch %d/%d · train loss %.4f%s · test %s %.4f%s · %,.0f samples/s"
                        + " · compute %.2f ms + sync %.2f ms per iteration · %.1f s",
                e.epoch() + 1, epochs, e.trainLoss(),
                e.validation().map(v -> String.format(Locale.ROOT, " · validation %s %.4f", v.lossName(), v.meanLoss()))
                        .orElse(""),
                e.test().lossName(), e.testLoss(),
                e.test().hasAccuracy() ? String.format(Locale.ROOT, " · test accuracy %.4f", e.testAccuracy()) : "",
                e.samplesPerSecond(),
                e.computeMsPerIteration(), e.syncMsPerIteration(), e.trainNanos() / 1e9));
        out.flush();
    }

    /** Ends an open live line, so that the next output starts on a fresh line. */
    public synchronized void closeLine() {
        if (lineOpen) {
            out.print("\r\u001b[K");
            lineOpen = false;
        }
    }

    private String eta(long done) {
        if (Double.isNaN(secondsPerIteration)) {
            return "-";
        }
        long seconds = Math.round(Math.max(0, totalIterations - done) * secondsPerIteration);
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
