package org.sparkddp.driver.output;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkddp.driver.train.EpochRecord;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingListener;

/**
 * Builds {@code metrics.jsonl}: one JSON object every {@code output.log-every} iterations and one per epoch.
 * Runs on the driver as a training listener. After every epoch it rewrites the whole file atomically, so the
 * file on disk is always complete up to the last epoch, never half a line.
 */
public final class MetricsLog implements TrainingListener {
    public static final String NAME = "metrics.jsonl";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MetricsLog.class);

    private final OutputDirectory output;
    private final int logEvery;
    private final long runStart;
    private final List<String> lines = new ArrayList<>();
    /**
     * Training-stage time so far, evaluation excluded: comparable across trainers. After a resume it starts from
     * the checkpoint's, so that it counts all the training the model has had.
     */
    private long trainNanos;

    public MetricsLog(OutputDirectory output, int logEvery, long runStartNanos) {
        this.output = output;
        this.logEvery = logEvery;
        this.runStart = runStartNanos;
    }

    /**
     * Continues the lines of a resumed run's metrics, as its checkpoint recorded them, and its training time.
     *
     * @param trainSecondsBefore training-stage seconds before the checkpoint
     */
    public void resume(List<String> earlier, double trainSecondsBefore) {
        lines.addAll(0, earlier);
        trainNanos = Math.round(trainSecondsBefore * 1e9);
    }

    /** Training-stage seconds so far, those before a resume included: what a checkpoint records. */
    public synchronized double trainSeconds() {
        return round(trainNanos / 1e9);
    }

    /** Every line so far. */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public synchronized void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
        trainNanos += stage.wallNanos(); // per stage, so that a checkpoint between epochs records it
        long stageStart = System.nanoTime() - stage.wallNanos() - runStart;
        if (stage.attempts() > 1) {
            // The successful attempt ran last and its iteration times count from its own start: place them back
            // from the stage's end, so that the failed attempts' time is a gap before them, and say so in a line
            // of its own (the report breaks its charts there).
            stageStart = System.nanoTime() - runStart - (stage.iterations() == 0 ? 0
                    : stage.endNanos()[stage.iterations() - 1]);
            Map<String, Object> retry = new LinkedHashMap<>();
            retry.put("type", "retry");
            retry.put("epoch", stage.epoch() + 1);
            retry.put("iteration", stage.firstIteration() + 1);
            retry.put("attempts", stage.attempts());
            retry.put("failed_seconds", round(stage.failedNanos() / 1e9));
            retry.put("iterations_redone", stage.redoneIterations());
            retry.put("workers", stage.workers());
            retry.put("elapsed_seconds", round(stageStart / 1e9));
            lines.add(Json.line(retry));
        }
        long windowStart = 0;
        long windowExamples = 0;
        for (int i = 0; i < stage.iterations(); i++) {
            windowExamples += stage.examples()[i];
            long iteration = stage.firstIteration() + i + 1;
            if (iteration % logEvery != 0) {
                continue;
            }
            long end = stage.endNanos()[i];
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("type", "iteration");
            line.put("epoch", stage.epoch() + 1);
            line.put("iteration", iteration);
            line.put("loss", stage.losses()[i]);
            line.put("samples_per_second", round(windowExamples / ((end - windowStart) / 1e9)));
            line.put("elapsed_seconds", round((stageStart + end) / 1e9));
            line.put("workers", stage.workers());
            lines.add(Json.line(line));
            windowStart = end;
            windowExamples = 0;
        }
    }

    @Override
    public synchronized void onEpoch(EpochRecord epoch, int epochs) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "epoch");
        line.put("epoch", epoch.epoch() + 1);
        line.put("iterations", epoch.iterations());
        line.put("train_loss", epoch.trainLoss());
        line.put("test_" + epoch.test().lossName(), epoch.testLoss());
        if (epoch.test().hasAccuracy()) {
            line.put("test_accuracy", epoch.testAccuracy());
        }
        epoch.validation().ifPresent(v -> {
            line.put("val_" + v.lossName(), v.meanLoss());
            if (v.hasAccuracy()) {
                line.put("val_accuracy", v.accuracy());
            }
        });
        line.put("samples_per_second", round(epoch.samplesPerSecond()));
        line.put("compute_ms_per_iteration", round(epoch.computeMsPerIteration()));
        line.put("sync_ms_per_iteration", round(epoch.syncMsPerIteration()));
        line.put("allreduce_ms_per_iteration", round(epoch.allReduceMsPerIteration()));
        line.put("train_seconds", round(trainNanos / 1e9));
        line.put("elapsed_seconds", round((System.nanoTime() - runStart) / 1e9));
        lines.add(Json.line(line));
        try {
            flush();
        } catch (IOException e) {
            // Telemetry must not stop training: the file is written again after the next epoch and at the end.
            LOG.warn("cannot write {} to {} after epoch {} ({}); will try again", NAME, output.location(),
                    epoch.epoch() + 1, e.getMessage());
        }
    }

    /** Rewrites metrics.jsonl with every line so far. */
    public void flush() throws IOException {
        output.writeAtomically(NAME, out -> {
            for (String l : lines) {
                out.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        });
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
