package org.sparkddp.driver.output;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.driver.train.ExecutorLoss;
import org.sparkddp.driver.train.TrainingResult;

/**
 * Writes {@code summary.json}, the run's figures and provenance. Written last, so its presence means the run
 * completed and every other output is in place. Runs on the driver.
 */
public final class Summary {
    public static final String NAME = "summary.json";

    private Summary() {
    }

    /** Where the run came from: enough to reproduce it. */
    public record Provenance(String version, String startedAt, String sparkMaster, String resolvedConfigJson,
                             long parameters, int trainExamples, int testExamples, int validationExamples,
                             long trainRowsSkipped, long testRowsSkipped, long validationRowsSkipped) {
    }

    /**
     * Where a resumed run started.
     *
     * @param checkpoint   the checkpoint's directory
     * @param iteration    iterations done before it
     * @param trainSeconds training-stage seconds before it
     */
    public record Resumed(String checkpoint, long iteration, double trainSeconds) {
    }

    /**
     * Cumulative figures ({@code iterations}, {@code epochs}, {@code train_seconds}) count the training before a
     * resume too; per-iteration and per-second figures are over what this run did ({@code iterations_this_run}).
     *
     * @param driverResultBytes the task results the driver received during the job (a SparkListener's sum)
     */
    public static Map<String, Object> of(SparkDdpConfig config, TrainingResult result, Provenance provenance,
                                         double wallSeconds, Optional<Resumed> resumed, long driverResultBytes) {
        HeldOutMetrics test = result.test();
        Map<String, Object> s = new LinkedHashMap<>();
        if (test.hasAccuracy()) {
            s.put("test_accuracy", test.accuracy());
        }
        s.put("test_" + test.lossName(), test.meanLoss());
        s.put("train_loss", result.trainLoss());
        result.validation().ifPresent(v -> {
            s.put("best_epoch", v.bestEpoch() + 1);
            s.put("validation", validation(config, result, v, provenance));
        });
        // Epochs begun, as the console and metrics.jsonl number them: a run cut by training.max-iterations
        // inside epoch 1 has trained in 1 epoch, though it completed none.
        s.put("epochs", epochsBegun(result));
        s.put("epochs_completed", result.finalVersion().epoch());
        s.put("iterations", result.iterations());
        s.put("iterations_this_run", result.iterationsRun());
        resumed.ifPresent(r -> {
            Map<String, Object> from = new LinkedHashMap<>();
            from.put("checkpoint", r.checkpoint());
            from.put("iteration", r.iteration());
            from.put("train_seconds", MetricsLog.round(r.trainSeconds()));
            s.put("resumed_from", from);
        });
        s.put("workers", config.training().workers());
        s.put("mode", config.training().mode().configName());
        s.put("batch_size", config.training().batchSize());
        s.put("wall_seconds", MetricsLog.round(wallSeconds));
        s.put("train_seconds", MetricsLog.round(resumed.map(Resumed::trainSeconds).orElse(0.0)
                + result.trainNanos() / 1e9));
        s.put("samples_per_second", MetricsLog.round(result.samplesPerSecond()));
        s.put("sync_ms_per_iteration", MetricsLog.round(result.syncMsPerIteration()));
        s.put("compute_ms_per_iteration", MetricsLog.round(result.computeMsPerIteration()));
        s.put("allreduce_ms_per_iteration", MetricsLog.round(result.allReduceMsPerIteration()));
        s.put("stage_retries", result.stageRetries());
        s.put("iterations_redone", result.iterationsRedone());
        s.put("failed_attempt_seconds", MetricsLog.round(result.failedAttemptNanos() / 1e9));
        s.put("executor_crashes", result.executorLosses().stream().filter(ExecutorLoss::crashed).count());
        s.put("executor_losses", result.executorLosses().stream().map(Summary::loss).toList());
        // Every change of the worker count (training.elastic), and the count the run ended on.
        s.put("resizes", result.resizes().stream().map(Summary::resize).toList());
        s.put("final_workers", result.stages().isEmpty() ? config.training().workers()
                : result.stages().get(result.stages().size() - 1).workers());
        // How the last stage was computed, with any fallback's reason: a slow run says here why it was slow.
        result.stages().stream().map(org.sparkddp.driver.train.StageRecord::computePath)
                .filter(p -> !p.equals(ComputePath.UNREPORTED)).reduce((a, b) -> b).ifPresent(p -> {
                    Map<String, Object> compute = new LinkedHashMap<>();
                    compute.put("layers", p.layers());
                    compute.put("step", p.step());
                    s.put("compute", compute);
                });
        s.put("peak_heap_mb", PeakHeap.megabytes());
        // The driver's limits in practice: its heap as the JVM was started (-Xmx, from --driver-memory), and what
        // the executors sent it, which must not grow with the rows.
        s.put("driver_max_heap_bytes", Runtime.getRuntime().maxMemory());
        s.put("driver_result_bytes", driverResultBytes);
        s.put("parameters", provenance.parameters());
        s.put("train_examples", provenance.trainExamples());
        s.put("test_examples", provenance.testExamples());
        s.putAll(test.details());
        s.put("seed", config.training().seed());
        s.put("data", data(config, provenance));
        s.put("spark_master", provenance.sparkMaster());
        s.put("version", provenance.version());
        s.put("started_at", provenance.startedAt());
        s.put("config", ranOn(Json.parse(provenance.resolvedConfigJson()), provenance.sparkMaster()));
        return s;
    }

    /**
     * The resolved config with the master the SparkContext ran on: under spark-submit, {@code --master} wins over
     * defaults.conf's {@code local[*]}, which the config document alone would still show.
     */
    static com.fasterxml.jackson.databind.JsonNode ranOn(com.fasterxml.jackson.databind.JsonNode config, String master) {
        if (master != null && config.path("spark") instanceof com.fasterxml.jackson.databind.node.ObjectNode spark) {
            spark.put("master", master);
        }
        return config;
    }

    /** The 1-based number of the last epoch trained in, or the epochs completed if this run trained none. */
    static int epochsBegun(TrainingResult result) {
        return result.epochs().isEmpty() ? result.finalVersion().epoch()
                : Math.max(result.finalVersion().epoch(), result.epochs().get(result.epochs().size() - 1).epoch() + 1);
    }

    public static void write(OutputDirectory output, Map<String, Object> summary) throws IOException {
        output.writeAtomically(NAME, out -> out.write((Json.pretty(summary) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, Object> resize(org.sparkddp.driver.train.Resize resize) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("iteration", resize.iteration());
        r.put("epoch", resize.epoch() + 1);
        r.put("from", resize.from());
        r.put("to", resize.to());
        r.put("reason", resize.reason().key());
        r.put("wait_seconds", MetricsLog.round(resize.waitNanos() / 1e9));
        return r;
    }

    /** One executor that left: how (crashed, killed, exited, lost), its exit code, and its crash report if any. */
    private static Map<String, Object> loss(ExecutorLoss loss) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("executor", loss.executorId());
        l.put("host", loss.host());
        l.put("kind", loss.kind());
        loss.exitCode().ifPresent(code -> l.put("exit_code", code));
        l.put("reason", loss.reason());
        loss.crashReport().ifPresent(path -> l.put("crash_report", path));
        return l;
    }

    /** The data section: the files, how they were read, and the bad rows skipped in each. */
    private static Map<String, Object> data(SparkDdpConfig config, Provenance provenance) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("train", config.data().train());
        data.put("test", config.data().test());
        data.put("format", config.data().format().configName());
        data.put("normalize", config.data().normalize().configName());
        data.put("train_rows_skipped", provenance.trainRowsSkipped());
        data.put("test_rows_skipped", provenance.testRowsSkipped());
        config.data().validation().ifPresent(file -> {
            data.put("validation", file);
            data.put("validation_rows_skipped", provenance.validationRowsSkipped());
        });
        return data;
    }

    /** What the validation set saw and decided: its best epoch, whether training stopped there, which model was saved. */
    private static Map<String, Object> validation(SparkDdpConfig config, TrainingResult result,
                                                  TrainingResult.ValidationOutcome outcome, Provenance provenance) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("examples", provenance.validationExamples());
        v.put("source", config.data().validation().orElse("validation.fraction = " + config.validation().fraction()));
        v.put("best_epoch", outcome.bestEpoch() + 1);
        v.put("best_" + outcome.metrics().lossName(), outcome.bestLoss());
        // The saved model's validation figures: the best epoch's under early stopping, else the last epoch's.
        v.put(outcome.metrics().lossName(), outcome.metrics().meanLoss());
        if (outcome.metrics().hasAccuracy()) {
            v.put("accuracy", outcome.metrics().accuracy());
        }
        v.put("early_stopping", config.validation().earlyStopping());
        v.put("stopped_early", outcome.stoppedEarly());
        v.put("model_epoch", outcome.keptBest() ? outcome.bestEpoch() + 1 : result.finalVersion().epoch());
        v.put("every_epochs", config.validation().everyEpochs());
        config.validation().patience().ifPresent(p -> v.put("patience", p));
        v.put("min_delta", config.validation().minDelta());
        return v;
    }
}
