package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench time-to-accuracy}: wall seconds (training and test evaluation, from the start of training) to
 * 0.88 and 0.90 test accuracy on the full Fashion-MNIST: spark-ddp sync on the shipped config ({@code local[2]},
 * {@code training.engine=auto}) against the PyTorch peer, DDP gloo 2 x 1 and 1 process x 1 thread. Ours evaluates
 * after every epoch ({@code elapsed_seconds} of each epoch line of {@code metrics.jsonl}); the peer after every half
 * epoch, and stops once it reaches 0.90. Runs on the benchmark's driver; each trainer in a child process.
 *
 * <p>Options: {@code --model mlp|cnn} (default mlp), {@code --epochs N} (default: the config's), {@code --out FILE}.
 */
public final class TimeToAccuracy {
    private static final double[] TARGETS = {0.88, 0.90};

    private TimeToAccuracy() {
    }

    /** {@code deploy/bench time-to-accuracy [--model mlp|cnn] [--epochs N] [--out FILE]}. */
    @Command(name = "bench time-to-accuracy")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--model", paramLabel = "mlp|cnn", description = "which shipped config (default mlp)")
        String model = "mlp";
        @Option(names = "--epochs", paramLabel = "N", description = "epochs (default: the config's)")
        Integer epochs;
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;

        @Override
        public void check() {
            if (ComputeBenchmark.MODELS.stream().noneMatch(m -> m.key().equals(model))) {
                throw new IllegalArgumentException("--model must be mlp or cnn, not " + model);
            }
            Benchmark.positive("--epochs", epochs == null ? 1 : epochs);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("bench time-to-accuracy", new Options(), args);
        String model = options.model;
        Integer epochs = options.epochs;
        Path out = options.out;
        String key = model;
        ComputeBenchmark.Model m = ComputeBenchmark.MODELS.stream().filter(x -> x.key().equals(key)).findFirst()
                .orElseThrow();
        int n = epochs != null ? epochs
                : BenchArgs.load(new String[] {"--config", m.config()}).config().training().epochs();
        if (n < 1) {
            throw new IllegalArgumentException("bench time-to-accuracy: --epochs must be >= 1 but got " + n);
        }
        Path work = Files.createTempDirectory("spark-ddp-bench-tta");
        String markdown = run(m, n, work);
        System.out.println();
        System.out.println(markdown);
        if (out != null) {
            ComputeBenchmark.writeAtomically(out, markdown);
        }
    }

    private static String run(ComputeBenchmark.Model m, int epochs, Path work) throws Exception {
        List<String> rows = new ArrayList<>();
        System.out.println("bench time-to-accuracy: spark-ddp sync, " + epochs + " epochs ...");
        SparkDdpRun ours = SparkDdpRun.train("spark-ddp sync", List.of("--config", m.config(), "--set",
                "spark.master=local[2]", "--set", "spark.ui.enabled=false", "--set", "training.engine=auto", "--set",
                "training.epochs=" + epochs), work.resolve("ours"), work.resolve("ours.log"));
        double[] reached = {Double.NaN, Double.NaN};
        double best = 0;
        for (JsonNode line : ours.metrics()) {
            if (!line.path("type").asText().equals("epoch") || !line.has("test_accuracy")) {
                continue;
            }
            double accuracy = line.get("test_accuracy").asDouble();
            best = Math.max(best, accuracy);
            for (int t = 0; t < TARGETS.length; t++) {
                if (Double.isNaN(reached[t]) && accuracy >= TARGETS[t]) {
                    reached[t] = line.get("elapsed_seconds").asDouble();
                }
            }
        }
        String engine = ours.engineFallback().map(l -> "engine auto fell back to DL4J: " + l).orElse("engine auto");
        rows.add(row("spark-ddp sync, 2 workers, local[2]", reached[0], reached[1], best, engine
                + "; evaluated every epoch"));

        TorchPeer torch = new TorchPeer(work);
        Optional<String> absent = torch.absence();
        for (int processes : new int[] {2, 1}) {
            String name = processes == 2 ? "PyTorch DDP gloo, 2 processes x 1 thread" : "PyTorch, 1 process x 1 thread";
            if (absent.isPresent()) {
                rows.add(skipped(name, absent.get()));
                continue;
            }
            System.out.println("bench time-to-accuracy: " + name + " ...");
            try {
                JsonNode r = torch.timeToAccuracy(m.key(), processes, 1, epochs, 3600);
                rows.add(row(name, PeerLines.number(r, "seconds_to_0.88"), PeerLines.number(r, "seconds_to_0.90"),
                        PeerLines.number(r, "best_test_accuracy"), "evaluated every half epoch; " + r.path("epochs_run").asInt() + " epochs run; allocator: "
                                + TorchPeer.Allocator.TUNED.label()));
            } catch (Exception failure) {
                rows.add(skipped(name, "failed: " + failure.getMessage()));
            }
        }
        return String.format(Locale.ROOT, "## Time to accuracy, %s: run of %s%n%n%s%n%nWall seconds from the start of"
                        + " training (data loaded), training and test evaluation included; at most %d epochs,"
                        + " global batch 128, the config's optimizer.%n%n| trainer | s to 0.88 | s to 0.90 |"
                        + " best evaluated accuracy | note |%n|---|---:|---:|---:|---|%n%s%n", m.key().toUpperCase(Locale.ROOT),
                LocalDate.now(), Machine.describe(), epochs, String.join("", rows));
    }

    /** A trainer that did not run: no figures, and why. */
    private static String skipped(String name, String why) {
        return String.format(Locale.ROOT, "| %s | - | - | - | %s |%n", name, why);
    }

    private static String row(String name, double to88, double to90, double best, String note) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", name,
                Double.isNaN(to88) ? "not reached" : String.format(Locale.ROOT, "%.1f", to88),
                Double.isNaN(to90) ? "not reached" : String.format(Locale.ROOT, "%.1f", to90),
                ComputeReport.fixed(best, "%.4f"), note);
    }
}
