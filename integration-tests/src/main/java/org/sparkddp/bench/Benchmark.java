package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench}: runs, back to back on this machine and on the full Fashion-MNIST, with the same model,
 * global batch, epochs and seed: single-process DL4J (both thread settings), spark-ddp sync, spark-ddp average,
 * DL4J Spark parameter averaging, and Spark MLlib's MLP; then the synchronization cost of spark-ddp for models of
 * 0.1M, 1M and 10M parameters, and one worker against two. Prints figures and ratios as Markdown.
 *
 * <p>Options: {@code --quick} (one epoch, short cost runs, no one-worker run: under 3 minutes), {@code --epochs N},
 * {@code --batch-size B}, {@code --average-every K}, {@code --out FILE} (also write the Markdown there).
 */
public final class Benchmark {
    private static final String CONFIG = "conf/fashion-mnist-mlp.conf";

    private final boolean quick;
    private final int epochs;
    private final int batchSize;
    private final int averageEvery;
    private final Path work;

    private Benchmark(boolean quick, int epochs, int batchSize, int averageEvery, Path work) {
        this.quick = quick;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.averageEvery = averageEvery;
        this.work = work;
    }

    /** {@code deploy/bench [--quick] [--epochs N] [--batch-size B] [--average-every K] [--out FILE]}. */
    @Command(name = "bench")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--quick", description = "one epoch each, short synchronization-cost runs")
        boolean quick;
        @Option(names = "--epochs", paramLabel = "N", description = "epochs of each run (default 10; 1 with --quick)")
        Integer epochs;
        @Option(names = "--batch-size", paramLabel = "B", description = "the global batch size (default 256)")
        int batchSize = 256;
        @Option(names = "--average-every", paramLabel = "K", description = "average mode's steps between averages"
                + " (default 16)")
        int averageEvery = 16;
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;

        @Override
        public void check() {
            positive("--epochs", epochs == null ? 1 : epochs);
            positive("--batch-size", batchSize);
            positive("--average-every", averageEvery);
        }
    }

    /** A count option's check: "--epochs must be > 0 but got 0". */
    static void positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be > 0 but got " + value);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchOptions.parseOrExit("bench", new Options(), args);
        boolean quick = o.quick;
        Integer epochs = o.epochs;
        int batchSize = o.batchSize;
        int averageEvery = o.averageEvery;
        Path out = o.out;
        Path work = Files.createTempDirectory("spark-ddp-bench");
        Benchmark bench = new Benchmark(quick, epochs != null ? epochs : quick ? 1 : 10, batchSize, averageEvery, work);
        String markdown = bench.run();
        bench.progress("done");
        System.out.println();
        System.out.println(markdown);
        if (out != null) {
            Files.writeString(out, markdown, StandardCharsets.UTF_8);
        }
    }

    private List<String> common() {
        return List.of("--config", CONFIG, "--set", "training.batch-size=" + batchSize, "--set",
                "training.epochs=" + epochs, "--set", "training.workers=2", "--set", "spark.master=local[2]",
                "--set", "spark.ui.enabled=false");
    }

    private String run() throws Exception {
        List<Result> results = new ArrayList<>();
        Result singleOne = fromResultLine("single-process DL4J, 1 thread", SingleProcessBaseline.class, "1");
        Result singleAll = fromResultLine("single-process DL4J, default threads", SingleProcessBaseline.class, null);
        results.add(singleOne);
        results.add(singleAll);
        Result sync = ours("spark-ddp sync", "sync", List.of());
        Result average = ours("spark-ddp average (K = " + averageEvery + ")", "average",
                List.of("--set", "training.average-every=" + averageEvery));
        results.add(sync);
        results.add(average);
        Result dl4jSpark = fromResultLine("DL4J Spark parameter averaging (frequency 5)", Dl4jSparkBaseline.class, "1");
        results.add(dl4jSpark);
        results.add(fromResultLine("Spark MLlib MLP (sigmoid, L-BFGS)", MllibBaseline.class, "1"));
        Result single = singleOne.samplesPerSecond() >= singleAll.samplesPerSecond() ? singleOne : singleAll;

        StringBuilder md = new StringBuilder();
        md.append("## Run of ").append(LocalDate.now()).append(quick ? " (--quick)" : "").append("\n\n");
        md.append(Machine.describe()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Fashion-MNIST (60,000 train, 10,000 test), MLP 784-256-128-10, Adam 1e-3,"
                + " global batch %d (2 workers x %d for the distributed trainers), %d epoch%s, seed 42, local[2].%n%n",
                batchSize, batchSize / 2, epochs, epochs == 1 ? "" : "s"));
        md.append("| trainer | samples/s | vs single-process | vs DL4J Spark | last-epoch samples/s | s to 0.85 |"
                + " test accuracy | sync ms/it | compute ms/it | peak driver heap MB |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            md.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %s | %s | %.4f | %s | %s | %,.0f |%n",
                    r.name(), r.samplesPerSecond(), r.samplesPerSecond() / single.samplesPerSecond(),
                    r.samplesPerSecond() / dl4jSpark.samplesPerSecond(),
                    Double.isNaN(r.lastEpochSamplesPerSecond()) ? "-"
                            : String.format(Locale.ROOT, "%,.0f", r.lastEpochSamplesPerSecond()),
                    Double.isNaN(r.secondsTo85()) ? "not reached" : String.format(Locale.ROOT, "%.1f", r.secondsTo85()),
                    r.testAccuracy(), ms(r.syncMs()), ms(r.computeMs()), r.peakHeapMb()));
        }
        md.append("\n\"vs single-process\" is against the faster single-process setting (").append(single.name())
                .append("). Samples/s count training time only, over the whole run (warm-up included); evaluation is"
                + " excluded for every trainer. The last-epoch column is the steady state.\n\n");
        md.append(syncCost());
        if (!quick) {
            md.append(scaling(sync));
        }
        return md.toString();
    }

    private static String ms(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private long started = System.nanoTime();

    private void progress(String what) {
        System.out.printf(Locale.ROOT, "bench: %5.0f s  %s%n", (System.nanoTime() - started) / 1e9, what);
    }

    private Result fromResultLine(String name, Class<?> main, String ompThreads) throws Exception {
        progress(name + " ...");
        String output = ChildJvm.run(main.getName(), common(), ompThreads, work.resolve(main.getSimpleName()
                + "-" + (ompThreads == null ? "default" : ompThreads) + ".log"));
        String line = output.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException(name + " printed no RESULT line"));
        JsonNode r = Json.parse(line.substring("RESULT ".length()));
        Result result = new Result(name, r.get("samples_per_second").asDouble(), lastEpochRate(r.get("epochs"),
                r.get("samples_per_second").asDouble()), number(r.get("seconds_to_0.85")),
                r.get("test_accuracy").asDouble(), Double.NaN, Double.NaN, r.get("peak_heap_mb").asDouble());
        System.out.println("bench:   " + result);
        return result;
    }

    private Result ours(String name, String mode, List<String> extra) throws Exception {
        progress(name + " ...");
        List<String> args = new ArrayList<>(common());
        args.addAll(List.of("--set", "training.mode=" + mode));
        args.addAll(extra);
        Result result = SparkDdpRun.train(name, args, work.resolve("ours-" + mode + "-" + extra.hashCode()),
                work.resolve("ours-" + mode + ".log")).result();
        System.out.println("bench:   " + result);
        return result;
    }

    /**
     * Samples/s of the last epoch, from cumulative per-epoch training seconds: the whole-run rate scaled by the
     * last epoch's share of the time. NaN when a trainer reports no epochs.
     */
    private static double lastEpochRate(JsonNode epochs, double wholeRunRate) {
        if (epochs == null || epochs.size() < 2) {
            return Double.NaN;
        }
        int n = epochs.size();
        double total = epochs.get(n - 1).get("train_seconds").asDouble();
        double last = total - epochs.get(n - 2).get("train_seconds").asDouble();
        return wholeRunRate * total / n / last;
    }

    private static double number(JsonNode node) {
        return node == null || !node.isNumber() ? Double.NaN : node.asDouble();
    }

    /** spark-ddp sync's per-iteration synchronization cost for three model sizes, steady state (second epoch). */
    private String syncCost() throws Exception {
        Datasets full = Datasets.load(ConfigLoader.load(new ConfigLoader.Source(CONFIG,
                Files.readString(Path.of(CONFIG))), List.of()).config().data(), TargetKind.CLASS_INDEX, new Configuration());
        StringBuilder md = new StringBuilder("### Synchronization cost per iteration, by model size\n\n");
        md.append(String.format(Locale.ROOT, "spark-ddp sync, 2 workers, global batch %d, Adam, one stage per epoch;"
                + " figures from the second epoch (warm JVM, shards cached). The all-reduce is the per-iteration"
                + " synchronization; the stage overhead is paid once per stage (scheduling the barrier job, the state's"
                + " round trip to the driver) and is spread over the stage's iterations.%n%n", batchSize));
        md.append("| model | parameters | MB sent per rank per iteration | all-reduce ms/it | compute ms/it |"
                + " all-reduce / compute | stage overhead ms per stage |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        record Size(String name, String hidden, int iterationsPerEpoch) {
        }
        List<Size> sizes = List.of(new Size("0.1M", dense(128), quick ? 12 : 60), new Size("1M", dense(1024, 256),
                quick ? 8 : 40), new Size("10M", dense(4096, 1600), quick ? 3 : 12));
        for (Size size : sizes) {
            Path data = subset(full, size.iterationsPerEpoch() * batchSize, size.name());
            Path dir = work.resolve("cost-" + size.name());
            progress("synchronization cost, " + size.name() + " parameters ...");
            List<String> args = new ArrayList<>(List.of("train"));
            args.addAll(List.of("--config", CONFIG, "--set", "training.batch-size=" + batchSize, "--set",
                    "training.epochs=2", "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false",
                    "--set", "model.layers=" + size.hidden(), "--set", "output.dir=" + dir,
                    "--set", "data.train=" + data.resolve("train-images-idx3-ubyte"),
                    "--set", "data.test=" + data.resolve("t10k-images-idx3-ubyte")));
            ChildJvm.run(Main.class.getName(), args, "1", work.resolve("cost-" + size.name() + ".log"));
            JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
            JsonNode second = null;
            for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
                JsonNode m = Json.parse(line);
                if (m.get("type").asText().equals("epoch") && m.get("epoch").asInt() == 2) {
                    second = m;
                }
            }
            long parameters = summary.get("parameters").asLong();
            double megabytes = 2.0 * (2 - 1) / 2 * 4 * (parameters + 1) / 1e6;
            double allReduce = second.get("allreduce_ms_per_iteration").asDouble();
            double compute = second.get("compute_ms_per_iteration").asDouble();
            double stageOverhead = (second.get("sync_ms_per_iteration").asDouble() - allReduce)
                    * second.get("iterations").asInt();
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %.2f | %.2f | %,.0f |%n", size.name(),
                    parameters, megabytes, allReduce, compute, allReduce / compute, stageOverhead));
        }
        return md.append('\n').toString();
    }

    /** One worker against two, with everything else equal: the measured input of the scaling model. */
    private String scaling(Result twoWorkers) throws Exception {
        Result oneWorker = ours("spark-ddp sync, 1 worker", "sync", List.of("--set", "training.workers=1"));
        return String.format(Locale.ROOT, "### One worker against two%n%n| workers | samples/s | sync ms/it |"
                        + " compute ms/it |%n|---:|---:|---:|---:|%n| 1 | %,.0f | %.2f | %.2f |%n| 2 | %,.0f | %.2f | %.2f |%n%n"
                        + "Speed-up from the second worker: %.2fx.%n",
                oneWorker.samplesPerSecond(), oneWorker.syncMs(), oneWorker.computeMs(), twoWorkers.samplesPerSecond(),
                twoWorkers.syncMs(), twoWorkers.computeMs(), twoWorkers.samplesPerSecond() / oneWorker.samplesPerSecond());
    }

    /** The first {@code n} training examples (and 1,000 test examples) as raw IDX files, for short runs. */
    private Path subset(Datasets full, int n, String name) throws IOException {
        Path dir = Files.createDirectories(work.resolve("data-" + name));
        writeIdx(full.train(), Math.min(n, full.train().size()), dir, "train");
        writeIdx(full.test(), Math.min(1000, full.test().size()), dir, "t10k");
        return dir;
    }

    /** A {@code model.layers} value of dense layers of these sizes. */
    public static String dense(int... units) {
        return java.util.Arrays.stream(units).mapToObj(u -> "{type=dense,units=" + u + "}")
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private static void writeIdx(LabeledExamples examples, int n, Path dir, String prefix) throws IOException {
        var features = (org.sparkddp.common.data.UnsignedByteFeatures) examples.features();
        int d = examples.numFeatures();
        try (OutputStream out = Files.newOutputStream(dir.resolve(prefix + "-images-idx3-ubyte"))) {
            out.write(java.nio.ByteBuffer.allocate(16).putInt(0x00000803).putInt(n).putInt(1).putInt(d).array());
            out.write(features.data(), 0, n * d);
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(prefix + "-labels-idx1-ubyte"))) {
            out.write(java.nio.ByteBuffer.allocate(8).putInt(0x00000801).putInt(n).array());
            for (int i = 0; i < n; i++) {
                out.write(examples.classLabels().labels()[i]);
            }
        }
    }
}
