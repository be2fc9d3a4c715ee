package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.bench.Benchmark;
import org.sparkddp.driver.Main;

/**
 * Elastic training on a real standalone cluster (master, workers and executors in JVMs of their own): a worker
 * host lost for good shrinks the run, a worker that joins grows it, and neither changes the result beyond float
 * rounding, since the global batches do not depend on the worker count. The kill and the join follow the run's
 * first epoch line, never a sleep, and the run waits for the joining worker (its executors held by SIGSTOP until
 * the driver says the new executor joined), so neither depends on how fast the machine is.
 *
 * <p>Shrink runs first and leaves the cluster with one live worker, on which a fixed two-worker run then fails at
 * once; grow adds one worker before its run and one during.
 */
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElasticClusterTest {
    /** The class's outputs. */
    private Path dir;
    /**
     * A cluster of its own, not the suite's shared one ({@link SharedCluster}): shrink kills a worker's daemon and
     * grow adds workers, which would change the shape the other classes' tests count on.
     */
    private LocalCluster cluster;
    /**
     * A failed test keeps its logs in target/kept-logs: the runs' console and driver logs, the cluster's daemon logs
     * and its executors' (work/), which the temporary folder would take with it.
     */
    @RegisterExtension
    final KeptLogs keptLogs = new KeptLogs(() -> java.util.Collections.singletonList(dir));

    @BeforeAll
    void startCluster(@TempDir Path tmp) throws Exception {
        dir = tmp;
        cluster = LocalCluster.start(dir.resolve("cluster"), 2, 1, "1g");
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /**
     * 250 iterations (two epochs) of a 670K-parameter MLP in stages of 25, the boundaries a run resizes at. Plain
     * SGD and tanh, as in the worker-count independence test: Adam divides by the root of tiny second moments, which
     * turns the last-bit differences of summing shares in another order into visible ones. Neither the kill nor the
     * join depends on how long an epoch takes (they follow the first epoch's line, and the join holds the run), so
     * the model is a third the size of the 1.9M-parameter one the class had: each step's compute and gradient
     * traffic (AES-GCM encrypted here, where spark.network.crypto is on) shrink with it.
     */
    private static final List<String> JOB = List.of("training.epochs=2", "training.batch-size=16",
            "model.layers=" + Benchmark.dense(512, 512), "model.activation=tanh", "optimizer.name=sgd",
            "optimizer.learning-rate=0.05", "training.iterations-per-stage=25");
    private static final long ITERATIONS = 250;
    /** Float32 rounding of summing 1, 2 or 3 shares over 250 SGD steps (the independence test: 1e-7 after 20). */
    private static final double TOLERANCE = 1e-5;

    private float[] reference;
    /** The runs this class started, ended after each test so that a failed one cannot hold the cluster's cores. */
    private final List<ChildRun> runs = new ArrayList<>();

    @AfterEach
    void endRuns() {
        for (ChildRun run : runs) {
            run.process().descendants().forEach(ProcessHandle::destroyForcibly);
            run.process().destroyForcibly();
        }
        runs.clear();
    }

    /**
     * Submits a run. Its driver writes its whole log (stack traces, spark-ddp at INFO) to NAME-driver.log beside its
     * console, for {@link KeptLogs}; the executors' consoles are in the cluster's work/. (Not so for the executors'
     * whole logs: Spark refuses executor options that begin with -Dspark, as -Dspark-ddp.log does.)
     */
    private ChildRun start(List<String> sparkOptions, List<String> args, String name) throws java.io.IOException {
        ProcessBuilder pb = cluster.submitCommand(sparkOptions, args);
        pb.environment().merge("SPARK_DDP_JAVA_OPTS", "-Dspark-ddp.log=" + dir.resolve(name + "-driver.log"),
                (a, b) -> a + " " + b);
        ChildRun run = ChildRun.start(pb, dir, name);
        runs.add(run);
        return run;
    }

    @Test
    @Order(1)
    void aLostWorkerHostShrinksTheRunWhichEndsAsAnUndisturbedRun() throws Exception {
        Path out = dir.resolve("shrink");
        ChildRun run = start(sparkOptions(), trainArgs(out, "training.elastic=true", "training.min-workers=1",
                "training.replacement-wait=3s"), "shrink");
        run.awaitLine("epoch 1/2 · train loss", Duration.ofMinutes(3)); // the second epoch's first stage is next
        long killed = System.nanoTime();
        cluster.killWorker(2);
        run.awaitLine("resize: workers 2 -> 1", Duration.ofMinutes(3));
        double toResize = (System.nanoTime() - killed) / 1e9;
        awaitProgressAfter(run, "resize: workers 2 -> 1", Duration.ofMinutes(3));
        double toTraining = (System.nanoTime() - killed) / 1e9;
        double seconds = run.awaitSuccess(Duration.ofMinutes(5));
        System.out.printf(Locale.ROOT, "elastic shrink: worker killed after epoch 1; resize decided %.1f s later,"
                + " training on one worker (its first progress line, or the run's end) %.1f s after the kill%n", toResize, toTraining);

        JsonNode summary = ChildRun.summary(out);
        JsonNode resize = theOneResize(run, summary, 2, 1, "lost");
        // The interrupted stage (the second epoch's first, or a later one) is redone on the survivor, from its start.
        long from = resize.path("iteration").asLong();
        assertTrue(from >= 125 && from < ITERATIONS && from % 25 == 0, "resized at " + from);
        // The kill fails the running stage; or it fell between two stages, and the next starts on the survivor after
        // the wait; or it came after Spark had been given the next stage but before the tasks started, and the
        // driver cancels that attempt after the wait (SlotWatch). Each way the lost executor is named, and at most
        // one stage is resubmitted.
        assertTrue(summary.path("executor_losses").size() >= 1, summary.toString());
        assertTrue(summary.path("stage_retries").asInt() <= 1, summary.toString());
        assertTrue(run.output().contains("resize: workers 2 -> 1 from iteration " + from), run.output());
        assertClose("shrink", out, summary, seconds);
    }

    /**
     * With one live worker left, a fixed two-worker run cannot start: it says so once the executors had
     * training.replacement-wait to register, advising fewer workers or more executors, never the other way round.
     */
    @Test
    @Order(2)
    void aFixedRunWithMoreWorkersThanSlotsFailsInOneLineAfterTheWait() throws Exception {
        Path out = dir.resolve("too-many");
        // Test-only: C1 alone for its executor, which trains nothing; the other runs' executors keep the default.
        List<String> options = new ArrayList<>(sparkOptions());
        options.addAll(List.of("--conf", "spark.executor.defaultJavaOptions=" + TestData.SHORT_JVM_OPTIONS));
        ChildRun run = start(options, trainArgs(out, "training.replacement-wait=3s"), "too-many");
        assertTrue(run.process().waitFor(3, TimeUnit.MINUTES), "the run did not end");
        assertEquals(2, run.process().exitValue(), run.output());
        String last = run.output().lines().filter(l -> l.startsWith("spark-ddp: ")).reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("spark-ddp: error: training.workers: is 2 but the cluster gave this job only 1 task"
                + " slot within training.replacement-wait (3s): lower training.workers, or give the job more executors"),
                run.output());
        assertTrue(!java.nio.file.Files.exists(out.resolve("model.zip")), "a model was written");
    }

    @Test
    @Order(3)
    void aWorkerThatJoinsGrowsTheRunWithTheSameResult() throws Exception {
        cluster.addWorker(); // back to two live workers (the first test killed one)
        Path out = dir.resolve("grow");
        List<ProcessHandle> earlier = cluster.executors(); // earlier runs' executors, if any are still ending
        ChildRun run = start(sparkOptions(), trainArgs(out, "training.elastic=true", "training.max-workers=3"), "grow");
        run.awaitLine("epoch 1/2 · train loss", Duration.ofMinutes(3));
        // The run's two executors wait, mid-stage or before one, while a third worker starts an executor for it
        // (20-25 s on a loaded machine, more than this run takes): the join lands inside the run however fast it is.
        List<ProcessHandle> training = new ArrayList<>(cluster.executors());
        training.removeAll(earlier);
        assertEquals(2, training.size(), "the run's executors: " + training);
        LocalCluster.signal("STOP", training);
        try {
            cluster.addWorker();
            run.awaitLine("executors: executor ", Duration.ofSeconds(90)); // within spark.network.timeout (120 s)
        } finally {
            LocalCluster.resumeQuietly(training);
        }
        double seconds = run.awaitSuccess(Duration.ofMinutes(5));
        assertTrue(run.output().contains("task slots for 2 workers"), run.output());

        JsonNode summary = ChildRun.summary(out);
        JsonNode resize = theOneResize(run, summary, 2, 3, "grown");
        assertEquals(0, resize.path("iteration").asLong() % 25, "a resize falls on a stage boundary");
        assertEquals(0, summary.path("stage_retries").asInt(), () -> "growing needs no failure: " + summary + "\n"
                + resubmissions(run));
        assertClose("grow", out, summary, seconds);
    }

    /** The driver's lines about failed stage attempts, each with the failure's kind and cause. */
    private static String resubmissions(ChildRun run) {
        try {
            return String.join("\n", java.nio.file.Files.readAllLines(run.stderr(), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.contains("resubmitting it from the same state")).toList());
        } catch (java.io.IOException e) {
            return "(cannot read " + run.stderr() + ": " + e + ")";
        }
    }

    /**
     * The run's one resize, from {@code from} to {@code to} workers for {@code reason}, after which it trained all
     * its iterations and ended on {@code to} workers.
     */
    private static JsonNode theOneResize(ChildRun run, JsonNode summary, int from, int to, String reason)
            throws java.io.IOException {
        assertEquals(ITERATIONS, summary.path("iterations").asLong(), run.output());
        assertEquals(1, summary.path("resizes").size(), summary.toString());
        JsonNode resize = summary.path("resizes").path(0);
        assertEquals(from, resize.path("from").asInt());
        assertEquals(to, resize.path("to").asInt());
        assertEquals(reason, resize.path("reason").asText());
        assertEquals(to, summary.path("final_workers").asInt());
        return resize;
    }

    /**
     * Waits for a progress line printed after the first line containing {@code marker}, or for the run's end: on one
     * worker the rest of the run can finish before a heartbeat brings progress beyond the furthest seen before the
     * kill (the caller then checks that the run succeeded).
     */
    private static void awaitProgressAfter(ChildRun run, String marker, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String text = java.nio.file.Files.readString(run.stdout(), StandardCharsets.UTF_8);
            int at = text.indexOf(marker);
            if (at >= 0 && text.indexOf(" · iteration ", at) >= 0) {
                return;
            }
            if (!run.process().isAlive()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no progress after '" + marker + "' within " + timeout + ":\n" + run.output());
    }

    /** Parameters within float rounding of the undisturbed two-worker run's (plain SGD has no optimizer state). */
    private void assertClose(String what, Path out, JsonNode summary, double seconds) throws Exception {
        float[] expected = reference();
        float[] actual = params(out);
        double params = Tolerances.maxAbsoluteError(expected, actual);
        JsonNode resize = summary.path("resizes").path(0);
        System.out.printf(Locale.ROOT, "elastic %s: %.1f s in all, resize %s at iteration %d after waiting %.1f s;"
                        + " %d stage retries, >= %d iterations redone, %.1f s in failed attempts; max absolute"
                        + " difference of the parameters from the undisturbed 2-worker run: %.3g%n",
                what, seconds, resize.path("from").asInt() + "->" + resize.path("to").asInt(),
                resize.path("iteration").asLong(), resize.path("wait_seconds").asDouble(),
                summary.path("stage_retries").asInt(), summary.path("iterations_redone").asLong(),
                summary.path("failed_attempt_seconds").asDouble(), params);
        assertTrue(params <= TOLERANCE, what + ": parameters differ by " + params);
    }

    /** The same job, undisturbed, on two workers in local mode in this JVM; run once. */
    private float[] reference() throws Exception {
        if (reference == null) {
            Path out = dir.resolve("reference");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(trainArgs(out, "spark.master=local[2]").toArray(String[]::new),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
            reference = params(out);
        }
        return reference;
    }

    private static float[] params(Path out) throws java.io.IOException {
        return org.deeplearning4j.nn.multilayer.MultiLayerNetwork.load(out.resolve("model.zip").toFile(), false)
                .params().toFloatVector();
    }

    private static List<String> sparkOptions() {
        return List.of("--conf", "spark.executor.heartbeatInterval=500ms");
    }

    private static List<String> trainArgs(Path out, String... extra) {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + out, "spark.ui.enabled=false", "output.progress-every=0s"));
        settings.addAll(JOB);
        settings.addAll(List.of(extra));
        return TestData.commandLine("train", settings);
    }
}
