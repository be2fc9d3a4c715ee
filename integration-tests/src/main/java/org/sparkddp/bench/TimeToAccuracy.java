package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench time-to-accuracy}: wall seconds (training and test evaluation, from the start of training) to
 * each model's target test accuracies on the full Fashion-MNIST (MLP 0.88 and 0.90; CNN 0.90, 0.92 and 0.93, the
 * recipe's range): spark-ddp sync on the shipped config ({@code local[2]}, {@code training.engine=auto}) against the
 * PyTorch peer, DDP gloo 2 x 1 and 1 process x 1 thread. Ours evaluates after every epoch ({@code elapsed_seconds} of
 * each epoch line of {@code metrics.jsonl}) and runs the config's epochs, as a user's run does; the peer evaluates
 * after every half epoch and stops once it reaches the highest target. Runs on the benchmark's driver; each trainer
 * in a child process.
 *
 * <p>Options: {@code --model mlp|cnn} (default mlp), {@code --epochs N} (default: the config's), {@code --peers}
 * (PyTorch's process counts, default 2,1), {@code --out FILE}.
 */
public final class TimeToAccuracy {
    /** The accuracies each model is timed to: the MLP's plateau and the CNN recipe's range (issue 29). */
    static double[] targets(String model) {
        return model.equals("cnn") ? new double[] {0.90, 0.92, 0.93} : new double[] {0.88, 0.90};
    }

    private TimeToAccuracy() {
    }

    /** {@code deploy/bench time-to-accuracy [--model mlp|cnn] [--epochs N] [--peers 2,1] [--out FILE]}. */
    @Command(name = "bench time-to-accuracy")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--model", paramLabel = "mlp|cnn", description = "which shipped config (default mlp)")
        String model = "mlp";
        @Option(names = "--epochs", paramLabel = "N", description = "epochs (default: the config's)")
        Integer epochs;
        @Option(names = "--peers", paramLabel = "P[,P]", split = ",",
                description = "PyTorch runs by process count: 2 (DDP 2 x 1), 1 (1 x 1); default 2,1")
        List<Integer> peers = List.of(2, 1);
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;

        @Override
        public void check() {
            if (ComputeBenchmark.MODELS.stream().noneMatch(m -> m.key().equals(model))) {
                throw new IllegalArgumentException("--model must be mlp or cnn, not " + model);
            }
            Benchmark.positive("--epochs", epochs == null ? 1 : epochs);
            if (peers.isEmpty() || peers.stream().anyMatch(p -> p != 1 && p != 2)) {
                throw new IllegalArgumentException("--peers must list 1 and/or 2 (PyTorch processes), not " + peers);
            }
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
        String markdown = run(m, n, options.peers, work);
        System.out.println();
        System.out.println(markdown);
        if (out != null) {
            ComputeBenchmark.writeAtomically(out, markdown);
        }
    }

    private static String run(ComputeBenchmark.Model m, int epochs, List<Integer> peers, Path work) throws Exception {
        double[] targets = targets(m.key());
        List<String> rows = new ArrayList<>();
        System.out.println("bench time-to-accuracy: spark-ddp sync, " + epochs + " epochs ...");
        SparkDdpRun ours = SparkDdpRun.train("spark-ddp sync", List.of("--config", m.config(), "--set",
                "spark.master=local[2]", "--set", "spark.ui.enabled=false", "--set", "training.engine=auto", "--set",
                "training.epochs=" + epochs), work.resolve("ours"), work.resolve("ours.log"));
        double[] reached = new double[targets.length];
        Arrays.fill(reached, Double.NaN);
        double best = 0;
        for (JsonNode line : ours.metrics()) {
            if (!line.path("type").asText().equals("epoch") || !line.has("test_accuracy")) {
                continue;
            }
            double accuracy = line.get("test_accuracy").asDouble();
            best = Math.max(best, accuracy);
            for (int t = 0; t < targets.length; t++) {
                if (Double.isNaN(reached[t]) && accuracy >= targets[t]) {
                    reached[t] = line.get("elapsed_seconds").asDouble();
                }
            }
        }
        String engine = ours.engineFallback().map(l -> "engine auto fell back to DL4J: " + l).orElse("engine auto");
        rows.add(row("spark-ddp sync, 2 workers, local[2]", reached, best, engine + "; evaluated every epoch"));
        double oursLast = reached[targets.length - 1];
        double ddpLast = Double.NaN;

        TorchPeer torch = new TorchPeer(work);
        Optional<String> absent = torch.absence();
        for (int processes : peers) {
            String name = processes == 2 ? "PyTorch DDP gloo, 2 processes x 1 thread" : "PyTorch, 1 process x 1 thread";
            if (absent.isPresent()) {
                rows.add(skipped(name, targets.length, absent.get()));
                continue;
            }
            System.out.println("bench time-to-accuracy: " + name + " ...");
            try {
                JsonNode r = torch.timeToAccuracy(m.key(), processes, 1, epochs, targets, 3600);
                double[] seconds = new double[targets.length];
                for (int t = 0; t < targets.length; t++) {
                    seconds[t] = PeerLines.number(r, secondsTo(targets[t]));
                }
                if (processes == 2) {
                    ddpLast = seconds[targets.length - 1];
                }
                rows.add(row(name, seconds, PeerLines.number(r, "best_test_accuracy"), "evaluated every half epoch; "
                        + r.path("epochs_run").asInt() + " epochs run; allocator: " + TorchPeer.Allocator.TUNED.label()));
            } catch (Exception failure) {
                rows.add(skipped(name, targets.length, "failed: " + failure.getMessage()));
            }
        }
        StringBuilder header = new StringBuilder("| trainer |");
        StringBuilder rule = new StringBuilder("|---|");
        for (double target : targets) {
            header.append(" s to ").append(target(target)).append(" |");
            rule.append("---:|");
        }
        String ratio = Double.isNaN(oursLast) || Double.isNaN(ddpLast) ? ""
                : String.format(Locale.ROOT, "%nTime to %.2f, spark-ddp against PyTorch DDP 2 x 1: %.1f s against %.1f"
                        + " s, a ratio of %.2f (at most 1.00 is the target).%n", targets[targets.length - 1], oursLast,
                        ddpLast, oursLast / ddpLast);
        return String.format(Locale.ROOT, "## Time to accuracy, %s: run of %s%n%n%s%n%nWall seconds from the start of"
                        + " training (data loaded), training and test evaluation included; at most %d epochs,"
                        + " global batch 128, the config's optimizer.%n%n%s best evaluated accuracy | note |%n%s---:|---|"
                        + "%n%s%s", m.key().toUpperCase(Locale.ROOT), LocalDate.now(), Machine.describe(), epochs,
                header, rule, String.join("", rows), ratio);
    }

    /** The peer's key for the seconds to {@code target}, as torch-peer.py writes it: seconds_to_0.93. */
    static String secondsTo(double target) {
        return "seconds_to_" + target(target);
    }

    /** A target as the peer's --targets and its keys spell it: two decimals, 0.93. */
    static String target(double target) {
        return String.format(Locale.ROOT, "%.2f", target);
    }

    /** A trainer that did not run: no figures, and why. */
    private static String skipped(String name, int targets, String why) {
        return "| " + name + " |" + " - |".repeat(targets + 1) + " " + why + " |" + System.lineSeparator();
    }

    private static String row(String name, double[] seconds, double best, String note) {
        StringBuilder row = new StringBuilder("| ").append(name).append(" |");
        for (double s : seconds) {
            row.append(' ').append(Double.isNaN(s) ? "not reached" : String.format(Locale.ROOT, "%.1f", s)).append(" |");
        }
        return row.append(' ').append(ComputeReport.fixed(best, "%.4f")).append(" | ").append(note).append(" |")
                .append(System.lineSeparator()).toString();
    }
}
