package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Every command submitted as a user submits it to the standalone cluster: {@code deploy/local-cluster submit
 * [spark-submit options] COMMAND ...}. One cluster for the class; train runs first and the others use its model.
 * Each run must exit as documented, with no stack trace on its console.
 *
 * <p>Every driver runs in one working directory and the runs' {@code output.dir} is relative to it, as in the default
 * job: the outputs land in the driver's directory, never in an executor's working directory under the worker's
 * {@code work/}, which the worker's cleanup deletes, and evaluate finds the model by the same relative path.
 */
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterCommandsTest extends StandaloneClusterTest {
    private static final Duration RUN = Duration.ofMinutes(4);

    /** Where the runs write, relative to the drivers' working directory. */
    private static final String RELATIVE_RUN = "output/relative-run";

    /** The drivers' working directory. */
    private Path cwd() {
        return dir.resolve("driver-cwd");
    }

    private Path run() {
        return cwd().resolve(RELATIVE_RUN);
    }

    /** The subset, a small network, one short epoch: the commands are under test here, not training. */
    private List<String> settings() {
        return List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST, "output.dir=" + RELATIVE_RUN,
                "spark.ui.enabled=false", "training.epochs=1", "training.max-iterations=20",
                "model.layers=[{type=dense,units=16}]");
    }

    private ChildRun submit(String name, List<String> sparkOptions, List<String> app) throws IOException {
        Files.createDirectories(cwd());
        return ChildRun.start(cluster.shortJobCommand(sparkOptions, app).directory(cwd().toFile()), dir, name);
    }

    /** Ends by itself with {@code code}, and neither stream holds a stack frame. */
    private static String awaitExit(ChildRun run, int code) throws Exception {
        assertTrue(run.process().waitFor(RUN.toSeconds(), TimeUnit.SECONDS), "the run did not end within " + RUN);
        String output = run.output();
        assertEquals(code, run.process().exitValue(), output);
        assertFalse(withoutShutdownRace(output).lines().anyMatch(l -> l.startsWith("\tat ")
                || l.startsWith("Caused by:")), "a stack trace on the console:\n" + output);
        return output;
    }

    /**
     * NOTE: now and then, as the driver's SparkContext stops, a Scala future callback is rejected by an RPC pool
     * already shutting down, and Scala's default reporter prints that RejectedExecutionException's stack trace
     * straight to stderr, past log4j (seen once in the evaluate run, after its last line). It is Spark's, after the
     * command's work is done, so it alone is passed over; any other stack trace fails the test.
     */
    private static String withoutShutdownRace(String output) {
        StringBuilder kept = new StringBuilder();
        boolean skipping = false;
        for (String line : output.lines().toList()) {
            if (line.startsWith("java.util.concurrent.RejectedExecutionException: Task scala.concurrent.impl")) {
                skipping = true;
                continue;
            }
            if (skipping && line.startsWith("\tat ")) {
                continue;
            }
            skipping = false;
            kept.append(line).append('\n');
        }
        return kept.toString();
    }

    @Test
    @Order(1)
    void trainWithTheDriverMemoryAsked() throws Exception {
        ChildRun train = submit("train", List.of("--driver-memory", "900m"), TestData.commandLine("train", settings()));
        // The script execs the driver JVM: once it is SparkSubmit, its flags are final.
        String command = "";
        for (int i = 0; i < 200 && !command.contains("SparkSubmit") && train.process().isAlive(); i++) {
            command = train.process().info().commandLine().orElse("");
            Thread.sleep(50);
        }
        assertTrue(command.contains("-Xmx900m"), "the driver JVM did not get --driver-memory: " + command);
        String output = awaitExit(train, 0);
        assertTrue(output.contains("2 workers"), output);
        assertTrue(Files.exists(run().resolve("model.zip")) && Files.exists(run().resolve("summary.json")), output);
        assertTrue(output.contains("outputs: file:" + run() + "/{model.zip, metrics.jsonl, summary.json"), output);
        try (var work = Files.walk(cluster.state().resolve("work"))) {
            assertEquals(List.of(), work.filter(p -> p.getFileName().toString().equals("model.zip")).toList(),
                    "a model.zip in an executor's working directory");
        }
        // The driver's own account: its heap is the 900 MiB asked (this machine's default would be a quarter of
        // its memory), and it received task results, not data.
        var summary = org.sparkddp.driver.output.Json.parse(Files.readString(run().resolve("summary.json")));
        long maxHeap = summary.get("driver_max_heap_bytes").asLong();
        assertTrue(maxHeap > 600L << 20 && maxHeap <= 900L << 20, "driver_max_heap_bytes " + maxHeap);
        assertTrue(summary.get("driver_result_bytes").asLong() > 0, summary.toString());
    }

    @Test
    @Order(2)
    void evaluate() throws Exception {
        List<String> app = new ArrayList<>(TestData.commandLine("evaluate", settings()));
        app.addAll(List.of("--model", RELATIVE_RUN + "/model.zip")); // the relative path, as the docs' evaluate has it
        String output = awaitExit(submit("evaluate", List.of("--conf", "spark.rpc.message.maxSize=1"), app), 0);
        assertTrue(output.contains("evaluated " + RELATIVE_RUN + "/model.zip on 500 examples"), output);
        assertTrue(Files.exists(run().resolve("evaluation.json")), output);
    }

    @Test
    @Order(3)
    void search() throws Exception {
        Path grid = TestData.configFile(dir, "grid.conf", "grid { \"optimizer.learning-rate\" = [0.003, 0.0003] }");
        List<String> app = new ArrayList<>(TestData.commandLine("search", settings()));
        app.addAll(List.of("--grid", grid.toString(), "--set", "output.dir=" + dir.resolve("search")));
        String output = awaitExit(submit("search", List.of("--name", "train"), app), 0);
        assertTrue(output.contains("optimizer.learning-rate=0.0003"), "the rate as written:\n" + output);
        assertTrue(Files.exists(dir.resolve("search-search/search.json")), output); // output.dir + "-search"
    }

    @Test
    @Order(4)
    void predict() throws Exception {
        Path input = dir.resolve("rows.parquet");
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                List<Float> pixels = new ArrayList<>();
                for (int p = 0; p < 784; p++) {
                    pixels.add((float) ((i * 31 + p) % 256) / 255f);
                }
                rows.add(RowFactory.create(i, pixels));
            }
            StructType schema = new StructType().add("id", DataTypes.IntegerType)
                    .add("features", DataTypes.createArrayType(DataTypes.FloatType));
            spark.createDataFrame(rows, schema).repartition(2).write().parquet(input.toString());
        } finally {
            spark.stop();
        }
        List<String> app = List.of("predict", "--model", run().resolve("model.zip").toString(), "--input",
                input.toString(), "--output", dir.resolve("predicted").toString());
        String output = awaitExit(submit("predict", List.of("--verbose"), app), 0);
        assertTrue(output.contains("predicted 40 rows of " + input), output);
        assertTrue(Files.isDirectory(dir.resolve("predicted")), output);
    }

    @Test
    @Order(5)
    void predictOnIdxImagesDecodedByTheExecutors() throws Exception {
        List<String> app = List.of("predict", "--model", run().resolve("model.zip").toString(), "--input",
                TestData.TEST.toString(), "--output", dir.resolve("predicted-idx").toString());
        String output = awaitExit(submit("predict-idx", List.of(), app), 0);
        assertTrue(output.contains("predicted 500 rows of " + TestData.TEST + " (idx)"), output);
    }

    @Test
    @Order(5)
    void predictOnAFileThatIsNotParquetIsOneLine() throws Exception {
        // IDX images said to be Parquet (the name alone would say idx).
        List<String> app = List.of("predict", "--set", "data.format=parquet", "--model",
                run().resolve("model.zip").toString(), "--input", TestData.TEST.toString(), "--output",
                dir.resolve("not-predicted").toString());
        ChildRun predict = submit("predict-not-parquet", List.of(), app);
        String output = awaitExit(predict, 2);
        List<String> errors = Files.readAllLines(predict.stderr()).stream().filter(l -> l.startsWith("spark-ddp:"))
                .toList();
        assertEquals(1, errors.size(), output);
        assertTrue(errors.get(0).startsWith("spark-ddp: error: " + TestData.TEST + ": is not a Parquet file: "),
                output);
        assertFalse(Files.exists(dir.resolve("not-predicted")), output);
    }

    @Test
    @Order(6)
    void report() throws Exception {
        Files.deleteIfExists(run().resolve("report.html"));
        String output = awaitExit(submit("report", List.of("--conf", "spark.ui.enabled=false"),
                List.of("report", run().toString())), 0);
        assertTrue(Files.exists(run().resolve("report.html")), output);
    }

    @Test
    @Order(7)
    void aRestartKeepsThePreviousClustersExecutorLogs() throws Exception {
        Path state = cluster.state();
        List<Path> before;
        try (var files = Files.walk(state.resolve("work"))) {
            before = files.filter(f -> f.getFileName().toString().equals("stderr")).map(state::relativize).toList();
        }
        assertFalse(before.isEmpty(), "the executors wrote no logs");
        List<Path> earlier = previousLogs(state); // the shared cluster may have been restarted before
        cluster.restart();
        String said = Files.readString(state.resolveSibling(state.getFileName() + "-start.log"));
        assertTrue(said.contains("previous cluster's logs"), said);
        List<Path> kept = new ArrayList<>(previousLogs(state));
        kept.removeAll(earlier);
        assertEquals(1, kept.size(), kept.toString());
        for (Path log : before) {
            assertTrue(Files.exists(kept.get(0).resolve(log)), log + " was not kept in " + kept.get(0));
        }
    }

    private static List<Path> previousLogs(Path state) throws IOException {
        if (!Files.isDirectory(state.resolve("previous"))) {
            return List.of();
        }
        try (var files = Files.list(state.resolve("previous"))) {
            return files.toList();
        }
    }

    /**
     * Ctrl-C to a driver whose run trains on the cluster: one line saying where it stopped, the shell's status 130,
     * no stack trace, and the application's executors end (the job is cancelled and the application stopped, not
     * left training). The signal comes once the run's progress lines show training under way, and the executors'
     * end is awaited within a bound rather than timed.
     */
    @Test
    @Order(8)
    void ctrlCEndsATrainingRunInOneLineAndStopsItsExecutors() throws Exception {
        List<String> settings = List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir.resolve("interrupted"), "spark.ui.enabled=false", "training.epochs=100",
                "training.batch-size=16", "model.layers=[{type=dense,units=16}]", "output.progress-every=0s",
                "spark.executor.heartbeatInterval=1s");
        // A child of a background job starts with SIGINT ignored and a JVM keeps it so: env restores the default.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT,TERM"));
        command.addAll(cluster.shortJobCommand(List.of(), TestData.commandLine("train", settings)).command());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(cluster.shortJobCommand(List.of(), List.of()).environment());
        ChildRun run = ChildRun.start(builder, dir, "interrupted");
        try {
            run.awaitIteration(20, RUN);
            assertFalse(cluster.executors().isEmpty(), "no executor runs the training");
            long before = Files.size(run.stderr());
            LocalCluster.signal("INT", List.of(run.process().toHandle()));
            assertTrue(run.process().waitFor(2, TimeUnit.MINUTES), "the run did not end after SIGINT");
            assertEquals(130, run.process().exitValue(), run.output());
            String stderr = Files.readString(run.stderr()).substring((int) before);
            List<String> lines = stderr.lines().toList();
            assertEquals(1, lines.size(), run.output());
            assertTrue(lines.get(0).matches("spark-ddp: interrupted at iteration \\d+ \\(epoch \\d+\\); no checkpoint was"
                    + " written \\(checkpoint.dir is not set: .*"), lines.get(0));
            assertFalse(withoutShutdownRace(run.output()).lines().anyMatch(l -> l.startsWith("\tat ")
                    || l.startsWith("Caused by:")), "a stack trace on the console:\n" + run.output());
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!cluster.executors().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(List.of(), cluster.executors(), "executors still running a minute after the driver ended");
        } finally {
            run.process().destroyForcibly();
        }
    }
}
