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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.bench.Benchmark;
import org.sparkddp.driver.Main;

/**
 * Elastic training on a real standalone cluster (master, workers and executors in JVMs of their own): a worker
 * host lost for good shrinks the run, a worker that joins grows it, and neither changes the result beyond float
 * rounding, since the global batches do not depend on the worker count. The kills and the join are triggered by
 * the run's own progress lines, never by a sleep.
 *
 * <p>Shrink runs first and leaves the cluster with one live worker, on which a fixed two-worker run then fails at
 * once; grow adds one worker before its run and one during.
 */
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ElasticClusterTest extends StandaloneClusterTest {
    /**
     * 500 iterations (four epochs) of a 1.9M-parameter MLP, long enough for a new executor to start on the loaded
     * machine while the run trains; stages of 25 iterations give the run boundaries to grow at. Plain SGD
     * and tanh, as in the worker-count independence test: Adam divides by the root of tiny second moments, which
     * turns the last-bit differences of summing shares in another order into visible ones.
     *
     * <p>NOTE: DL4J's layers (training.engine=dl4j) and four epochs, for time, not for results: a worker that joins
     * must find the run still going once its executor has started, which took 20-25 s under the full suite's load.
     * Two epochs on the CPU engine (16 s) ended before it joined, and two on DL4J's layers (25 s) did once in two
     * suites. The engine's results are checked against DL4J by the equivalence tests.
     */
    private static final List<String> JOB = List.of("training.epochs=4", "training.batch-size=16",
            "model.layers=" + Benchmark.dense(1024, 1024), "model.activation=tanh", "optimizer.name=sgd",
            "optimizer.learning-rate=0.05", "training.iterations-per-stage=25", "training.engine=dl4j");
    /** Float32 rounding of summing 1, 2 or 3 shares over 500 SGD steps (the independence test: 1e-7 after 20). */
    private static final double TOLERANCE = 1e-5;

    private float[] reference;

    @Test
    @Order(1)
    void aLostWorkerHostShrinksTheRunWhichEndsAsAnUndisturbedRun() throws Exception {
        Path out = dir.resolve("shrink");
        ChildRun run = ChildRun.start(cluster.submitCommand(sparkOptions(), trainArgs(out, "training.elastic=true",
                "training.min-workers=1", "training.replacement-wait=3s")), dir, "shrink");
        run.awaitIteration(40, Duration.ofMinutes(3)); // inside the second stage (25-49), or just past it
        long killed = System.nanoTime();
        cluster.killWorker(2);
        run.awaitLine("resize: workers 2 -> 1", Duration.ofMinutes(3));
        double toResize = (System.nanoTime() - killed) / 1e9;
        awaitProgressAfter(run, "resize: workers 2 -> 1", Duration.ofMinutes(3));
        double toTraining = (System.nanoTime() - killed) / 1e9;
        double seconds = run.awaitSuccess(Duration.ofMinutes(5));
        System.out.printf(Locale.ROOT, "elastic shrink: worker killed at iteration >= 40; resize decided %.1f s later,"
                + " training on one worker (its first progress line, or the run's end) %.1f s after the kill%n", toResize, toTraining);

        JsonNode summary = ChildRun.summary(out);
        JsonNode resize = theOneResize(run, summary, 2, 1, "lost");
        // The interrupted stage (the one with iteration 40, or a later one that the heartbeats had not yet shown
        // when the kill landed) is redone on the survivor, from its start.
        long from = resize.path("iteration").asLong();
        assertTrue(from >= 25 && from < 500 && from % 25 == 0, "resized at " + from);
        // The kill fails the running stage, or (when the heartbeats lagged and it fell between two stages) the next
        // stage starts on the survivor after the wait; either way the lost executor is named, and at most one
        // stage is resubmitted.
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
        ChildRun run = ChildRun.start(cluster.submitCommand(sparkOptions(), trainArgs(out,
                "training.replacement-wait=3s")), dir, "too-many");
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
        ChildRun run = ChildRun.start(cluster.submitCommand(sparkOptions(), trainArgs(out, "training.elastic=true",
                "training.max-workers=3")), dir, "grow");
        run.awaitIteration(10, Duration.ofMinutes(3));
        cluster.addWorker();
        double seconds = run.awaitSuccess(Duration.ofMinutes(5));

        JsonNode summary = ChildRun.summary(out);
        JsonNode resize = theOneResize(run, summary, 2, 3, "grown");
        assertEquals(0, resize.path("iteration").asLong() % 25, "a resize falls on a stage boundary");
        assertEquals(0, summary.path("stage_retries").asInt(), "growing needs no failure: " + summary);
        assertClose("grow", out, summary, seconds);
    }

    /**
     * The run's one resize, from {@code from} to {@code to} workers for {@code reason}, after which it trained all
     * its 500 iterations and ended on {@code to} workers.
     */
    private static JsonNode theOneResize(ChildRun run, JsonNode summary, int from, int to, String reason)
            throws java.io.IOException {
        assertEquals(500, summary.path("iterations").asLong(), run.output());
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
