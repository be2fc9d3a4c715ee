package org.sparkddp.driver.output;

import java.io.PrintStream;
import java.util.Locale;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.driver.train.TrainingResult;

/**
 * The console's lines at the end of a training run: the final figures, the validation outcome, the failures it
 * recovered from, and every executor that left (a crash is never folded into "recovered"). Runs on the driver.
 */
public final class RunFooter {
    private RunFooter() {
    }

    public static void print(PrintStream console, TrainingResult result) {
        console.println(String.format(Locale.ROOT,
                "done: %s · %,d iterations%s · %,.0f samples/s · compute %.2f ms +"
                        + " sync %.2f ms per iteration",
                testFigures(result.test()), result.iterations(), result.iterationsRun() == result.iterations() ? ""
                        : String.format(Locale.ROOT, " (%,d in this run)", result.iterationsRun()),
                result.samplesPerSecond(),
                result.computeMsPerIteration(), result.syncMsPerIteration()));
        result.validation().ifPresent(v -> console.println(String.format(Locale.ROOT,
                "validation: best %s %.4f after epoch %d%s%s", v.metrics().lossName(), v.bestLoss(), v.bestEpoch() + 1,
                v.stoppedEarly() ? String.format(Locale.ROOT, " · stopped early after epoch %d",
                        result.finalVersion().epoch()) : "",
                v.keptBest() ? " · the model saved is epoch " + (v.bestEpoch() + 1) + "'s" : "")));
        if (result.stageRetries() > 0) {
            console.println(String.format(Locale.ROOT,
                    "recovered: %d stage resubmission%s after task or executor failures · at least %,d iterations"
                            + " redone · %.1f s in failed attempts",
                    result.stageRetries(), result.stageRetries() == 1 ? "" : "s", result.iterationsRedone(),
                    result.failedAttemptNanos() / 1e9));
        }
        result.executorLosses().forEach(loss -> console.println((loss.crashed() ? "crashed: " : "lost: ")
                + loss.describe()));
    }

    /**
     * Shards Spark evicted (or lost with an executor) and re-read from their source: never silent, since each costs
     * a re-read, and one evicted every stage is re-read every stage.
     */
    public static void printRebuilds(PrintStream console, long rebuilds) {
        if (rebuilds > 0) {
            console.println(String.format(Locale.ROOT, "shards: %,d rebuilt after Spark evicted them (or lost their"
                    + " executor) and re-read from their source; a smaller data.cache-memory spills them to local disk"
                    + " instead of re-reading", rebuilds));
        }
    }

    /** The files the run wrote: {@code outputs: DIR/{model.zip, metrics.jsonl, summary.json, report.html}}. */
    public static void printOutputs(PrintStream console, OutputDirectory output, String reportName) {
        console.println("outputs: " + output.location() + "/{" + ModelFile.NAME + ", " + MetricsLog.NAME + ", "
                + Summary.NAME + (output.existsQuietly(reportName) ? ", " + reportName : "") + "}");
    }

    /** {@code test accuracy 0.8123 · test loss 0.5012}, or {@code test mse 0.0312} for regression. */
    public static String testFigures(HeldOutMetrics test) {
        String loss = String.format(Locale.ROOT, "test %s %.4f", test.lossName(), test.meanLoss());
        return test.hasAccuracy() ? String.format(Locale.ROOT, "test accuracy %.4f · %s", test.accuracy(), loss) : loss;
    }
}
