package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.spark.SparkSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench data}: how fast each format is read, checked and sharded onto the executors, against the
 * ceiling of Spark reading the same files ({@code spark.read} and {@code count()}), with the bytes of task results
 * the driver received and the peak heap of the JVM that holds the executors (local[2]: this one); then the training
 * rate with shards in memory against spilled to disk ({@code data.cache-memory}). Figures only, nothing asserted.
 *
 * <p>Options: {@code --rows N} rows of the generated CSV and Parquet data (default 400,000 of 32 features),
 * {@code --rounds N} (default 3, medians), {@code --out FILE} (also write the Markdown there).
 */
public final class DataBenchmark {
    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    private static final int FEATURES = 32;

    private DataBenchmark() {
    }

    /** One input: a format, its training file, and how Spark alone reads it (the ceiling). */
    private record Input(String name, String format, String train, long rows, ToDoubleFunction<SparkSession> ceiling) {
    }

    /** {@code deploy/bench data [--rows N] [--rounds N] [--out FILE]}. */
    @Command(name = "bench data")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--rows", paramLabel = "N", description = "rows of each tabular input (default 400000)")
        int rows = 400_000;
        @Option(names = "--rounds", paramLabel = "N", description = "timed rounds of each read (default 3)")
        int rounds = 3;
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;

        @Override
        public void check() {
            Benchmark.positive("--rows", rows);
            Benchmark.positive("--rounds", rounds);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("bench data", new Options(), args);
        int rows = options.rows;
        int rounds = options.rounds;
        Path out = options.out;
        Path work = Files.createTempDirectory("spark-ddp-data-bench");
        StringBuilder md = new StringBuilder();
        md.append(Machine.describe()).append("\n\n");
        SparkSession spark = SparkSession.builder().config(SparkSetup.sparkConf(config(List.of()).config(), true)
                .setAppName("spark-ddp data benchmark")).getOrCreate();
        ResultBytes results = new ResultBytes();
        spark.sparkContext().addSparkListener(results);
        try {
            List<Input> inputs = inputs(spark, work, rows);
            md.append(String.format(Locale.ROOT, "Read, checked and sharded onto 2 workers (local[2]), median of %d"
                    + " rounds after a warm-up; the ceiling is `spark.read` and `count()` of the same files (for IDX,"
                    + " Spark's `binaryFiles` reading them whole).%n%n", rounds));
            md.append("| input | rows | rows/s sharded | rows/s ceiling | vs ceiling | driver received | peak heap |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Input input : inputs) {
                read(spark, input); // warm-up: class loading, JIT
                double[] seconds = new double[rounds];
                long driverBytes = 0;
                long peak = 0;
                for (int r = 0; r < rounds; r++) {
                    resetPeaks();
                    long before = results.total();
                    seconds[r] = read(spark, input);
                    driverBytes = results.total() - before;
                    peak = Math.max(peak, peakHeap());
                }
                double[] ceiling = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ceiling[r] = input.ceiling().applyAsDouble(spark);
                }
                double ours = input.rows() / median(seconds);
                double best = input.rows() / median(ceiling);
                md.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %,.0f | %.2f | %s | %,d MB |%n",
                        input.name(), input.rows(), ours, best, ours / best, bytes(driverBytes), peak >> 20));
            }
        } finally {
            spark.stop();
        }
        md.append("\n").append(outOfCore(work));
        System.out.println(md);
        if (out != null) {
            Files.writeString(out, md.toString());
        }
        deleteTree(work); // the generated data and the runs' outputs: hundreds of MB of temporary files
    }

    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The generated CSV and Parquet, and Fashion-MNIST's training images raw and gzipped. */
    private static List<Input> inputs(SparkSession spark, Path work, int rows) throws IOException {
        Path csv = work.resolve("train.csv");
        SplittableRandom random = new SplittableRandom(7);
        List<Row> parquetRows = new ArrayList<>();
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            for (int r = 0; r < rows; r++) {
                line.setLength(0);
                double[] features = new double[FEATURES];
                for (int f = 0; f < FEATURES; f++) {
                    features[f] = Math.round(random.nextGaussian() * 1000) / 1000.0;
                    line.append(features[f]).append(',');
                }
                int label = random.nextInt(10);
                line.append(label).append('\n');
                w.write(line.toString());
                parquetRows.add(RowFactory.create(features, label));
            }
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        String parquet = work.resolve("train.parquet").toString();
        // gzip, not snappy: the benchmark runs on the application classpath, which leaves snappy-java to Spark.
        spark.createDataFrame(parquetRows, schema).repartition(4).write().option("compression", "gzip").parquet(parquet);
        parquetRows.clear();
        Path raw = work.resolve("train-images-idx3-ubyte");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(FASHION.resolve("train-images-idx3-ubyte.gz")))) {
            Files.copy(in, raw);
        }
        try (InputStream in = new GZIPInputStream(Files.newInputStream(FASHION.resolve("train-labels-idx1-ubyte.gz")))) {
            Files.copy(in, work.resolve("train-labels-idx1-ubyte"));
        }
        String gz = FASHION.resolve("train-images-idx3-ubyte.gz").toString();
        return List.of(
                new Input("CSV, " + FEATURES + " features", "csv", csv.toString(), rows,
                        s -> time(() -> s.read().csv(csv.toString()).count())),
                new Input("Parquet, " + FEATURES + " features", "parquet", parquet, rows,
                        s -> time(() -> s.read().parquet(parquet).count())),
                new Input("IDX raw, 28x28", "idx", raw.toString(), 60_000,
                        // binaryRecords would need the file to be whole records; its 16-byte header is not.
                        s -> time(() -> new JavaSparkContext(s.sparkContext()).binaryFiles(raw.toString())
                                .map(f -> length(f._2().open())).count())),
                new Input("IDX gzipped, 28x28", "idx", gz, 60_000,
                        s -> time(() -> new JavaSparkContext(s.sparkContext()).binaryFiles(gz)
                                .map(f -> length(new GZIPInputStream(f._2().open(), 1 << 16))).count())));
    }

    /** Reads a stream to its end: what any reader of the file pays at least. */
    private static long length(InputStream in) throws IOException {
        try (in) {
            return in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }

    private static ConfigLoader.Loaded config(List<String> settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused", "data.test=unused", "output.dir=unused",
                "spark.master=local[2]", "spark.ui.enabled=false"));
        all.addAll(settings);
        return ConfigLoader.load(null, all);
    }

    /** Seconds from nothing to the training shards cached on the executors, as a training job gets them. */
    private static double read(SparkSession spark, Input input) {
        List<String> settings = new ArrayList<>(List.of("data.format=" + input.format(), "data.train=" + input.train(),
                "data.test=" + input.train(), "data.split-size=8M", "data.csv.label-columns=[-1]"));
        DataConfig data = config(settings).config().data();
        JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
        long start = System.nanoTime();
        JobData job = JobData.open(data, ValidationConfig.NONE, 42, TargetKind.CLASS_INDEX, new Configuration(),
                Optional.of(spark));
        try (ShardedData train = job.train().shards(sc, VirtualShards.of(job.train().size(), data.virtualShards()),
                2, "bench")) {
            long examples = train.rdd().map(e -> (long) e.size()).reduce(Long::sum);
            if (examples != input.rows()) {
                throw new IllegalStateException("sharded " + examples + " rows of " + input.train() + ", expected "
                        + input.rows());
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** The default MLP job on Fashion-MNIST with shards in memory, then spilled to local disk. */
    private static String outOfCore(Path work) throws IOException, InterruptedException {
        double[] rates = new double[2];
        String[] budgets = {"null", "1M"};
        for (int i = 0; i < 2; i++) {
            Path dir = work.resolve("run-" + i);
            List<String> args = new ArrayList<>(List.of("train", "--config", "conf/fashion-mnist-mlp.conf"));
            for (String s : List.of("output.dir=" + dir, "training.epochs=2", "data.cache-memory=" + budgets[i])) {
                args.add("--set");
                args.add(s);
            }
            ChildJvm.run(Main.class.getName(), args, "1", work.resolve("train-" + i + ".log"));
            JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
            rates[i] = summary.get("samples_per_second").asDouble();
        }
        return String.format(Locale.ROOT, "Training the default MLP job (Fashion-MNIST, 2 epochs, 2 workers):"
                + " %,.0f samples/s with the shards in memory, %,.0f with them spilled to disk"
                + " (data.cache-memory = 1M): out of core runs at %.2fx.%n", rates[0], rates[1], rates[1] / rates[0]);
    }

    private static double time(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String bytes(long n) {
        return n < 1 << 20 ? String.format(Locale.ROOT, "%,d KB", n >> 10) : String.format(Locale.ROOT, "%,d MB", n >> 20);
    }

    private static void resetPeaks() {
        System.gc();
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    private static long peakHeap() {
        return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
    }

    /** Task result bytes the driver received. */
    private static final class ResultBytes extends SparkListener {
        private final LongAdder total = new LongAdder();

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                total.add(end.taskMetrics().resultSize());
            }
        }

        long total() {
            return total.sum();
        }
    }
}
