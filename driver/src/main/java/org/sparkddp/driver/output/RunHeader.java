package org.sparkddp.driver.output;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.model.NetworkDescription;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.data.JobData;

/**
 * The console's lines at the start of a training run: what it trains on what, the rows it skipped, and where it
 * writes and resumes from. Runs on the driver.
 */
public final class RunHeader {
    private RunHeader() {
    }

    /**
     * {@code spark-ddp: MLP 784-128-10 (101,770 parameters) · sync · 60,000 training and 10,000 test examples · 10
     * classes (data.classes) · 2 workers · global batch 128 · 10 epochs · local[2]}.
     *
     * @param iterations      the run's iterations, under training.max-iterations
     * @param uncutIterations the iterations its epochs would have without the cap
     */
    public static String line(SparkDdpConfig config, NetworkSpec network, long params, JobData data, long iterations,
                              long uncutIterations, String master) {
        var t = config.training();
        return String.format(Locale.ROOT,
                "spark-ddp: %s (%,d parameters) · %s · %,d training%s and %,d test examples · %s · %d worker%s ·"
                        + " global batch %d · %s%s · %s",
                NetworkDescription.of(network), params, t.mode().configName(),
                data.train().size(), data.validation()
                        .map(v -> String.format(Locale.ROOT, ", %,d validation", v.size())).orElse(""),
                data.test().size(), targets(TargetKind.of(config.model()), config.data().classes(),
                        data.train().targetWidth()), t.workers(), t.workers() == 1 ? "" : "s",
                t.batchSize(),
                length(t.epochs(), iterations, uncutIterations),
                config.validation().patience().isPresent() ? String.format(Locale.ROOT, " (early stopping: patience"
                        + " %d)", config.validation().patience().getAsInt()) : "",
                master);
    }

    /**
     * What the network outputs and where that number came from: {@code 10 classes (data.classes)} or {@code 10
     * classes (from the training labels)} for class labels, {@code 1 output (real targets)} for regression.
     */
    static String targets(TargetKind kind, OptionalInt configured, int width) {
        if (kind != TargetKind.CLASS_INDEX) {
            return String.format(Locale.ROOT, "%d output%s (real targets)", width, width == 1 ? "" : "s");
        }
        return String.format(Locale.ROOT, "%d classes (%s)", width, configured.isPresent() ? "data.classes"
                : "from the training labels");
    }

    /**
     * {@code 10 epochs}, or where training.max-iterations cuts them short, {@code 100 iterations
     * (training.max-iterations; 10 epochs would be 160)}.
     */
    private static String length(int epochCount, long total, long uncut) {
        String epochs = epochCount + " epoch" + (epochCount == 1 ? "" : "s");
        return total < uncut ? String.format(Locale.ROOT, "%,d iteration%s (training.max-iterations; %s would be"
                + " %,d)", total, total == 1 ? "" : "s", epochs, uncut) : epochs;
    }

    /** Once per file, so that skipped rows are never silent. */
    public static Optional<String> skipped(String file, long skipped) {
        return skipped == 0 ? Optional.empty() : Optional.of(String.format(Locale.ROOT,
                "%s: skipped %,d bad row%s (data.on-bad-row = skip)", file, skipped, skipped == 1 ? "" : "s"));
    }

    /** An earlier run's results are replaced only once this run's are complete. */
    public static String overwrite(String target, String writing) {
        return "overwrite: the results in " + target + " are replaced once this run's are complete; until then it"
                + " writes into " + writing;
    }

    /** Where a resumed run starts, and on how many workers where that differs from the run that wrote it. */
    public static String resuming(String checkpoint, long iteration, int workersThen, int workersNow) {
        return "resuming from " + checkpoint + " at iteration " + iteration + (workersThen == workersNow ? ""
                : " on " + workersNow + " workers instead of " + workersThen
                + " (a resize: the same batches, their float sums added in another order)");
    }
}
