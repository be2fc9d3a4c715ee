package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.bench.Benchmark;

/**
 * The driver is killed with SIGKILL mid-run, between checkpoints; {@code deploy/spark-ddp train --resume DIR}
 * continues from the newest checkpoint and ends with exactly the parameters of an uninterrupted run. Both runs go
 * through the launcher in child processes, as a user runs them.
 */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DriverKillTest {
    /**
     * 125 iterations an epoch, a checkpoint every 50: the kill lands between two checkpoints, in the first epoch, and
     * the resumed run crosses an epoch's end (two epochs are enough for that: a third
     * added 250 iterations to the whole and the resumed runs).
     */
    private static final List<String> JOB = List.of("training.epochs=2", "training.batch-size=16",
            "model.layers=" + Benchmark.dense(1024, 1024), "checkpoint.every-iterations=50", "checkpoint.keep=2");
    /** The kill comes once the progress lines say this iteration is done: past checkpoint 100, before 150. */
    private static final long KILL_AT = 120;

    @TempDir
    Path dir;

    @Test
    void aKilledDriverResumesFromItsNewestCheckpointToTheSameParameters() throws Exception {
        ChildRun whole = ChildRun.start(ChildRun.shortLauncher(train(dir.resolve("whole"))), dir, "whole");
        double wholeSeconds = whole.awaitSuccess(Duration.ofMinutes(5));

        Path killedOut = dir.resolve("killed");
        ChildRun killed = ChildRun.start(ChildRun.shortLauncher(train(killedOut)), dir, "killed");
        Path ckpt = killedOut.resolve("ckpt");
        awaitCheckpoint(killed, ckpt.resolve("ckpt-000000000100"));
        long checkpointed = System.nanoTime();
        killed.awaitIteration(KILL_AT, Duration.ofMinutes(2));
        assertTrue(killed.process().isAlive(), "the run ended before it could be killed");
        double afterCheckpoint = (System.nanoTime() - checkpointed) / 1e9;
        killed.process().destroyForcibly();
        killed.process().waitFor();
        double killedSeconds = (System.nanoTime() - killed.startNanos()) / 1e9;
        assertFalse(Files.exists(killedOut.resolve("out/summary.json")), "the killed run completed");
        assertFalse(Files.exists(killedOut.resolve("out/model.zip")), "the killed run wrote a model");

        ChildRun resumed = ChildRun.start(ChildRun.shortLauncher(List.of("train", "--resume", ckpt.toString())), dir, "resumed");
        double resumedSeconds = resumed.awaitSuccess(Duration.ofMinutes(5));
        String from = resumed.output().lines().filter(l -> l.contains("resuming from")).findFirst()
                .orElseGet(() -> fail("no 'resuming from' line"));

        float[][] expected = ChildRun.model(dir.resolve("whole/out/model.zip"));
        float[][] actual = ChildRun.model(killedOut.resolve("out/model.zip"));
        JsonNode summary = ChildRun.summary(killedOut.resolve("out"));
        double iterationsPerSecond = summary.path("samples_per_second").asDouble() / 16;
        System.out.printf(Locale.ROOT, "driver killed %.1f s in, %.1f s after checkpoint 100 at iteration >= %d"
                        + " (about %.0f iterations past it at %.0f iterations/s), resumed (%s) in %.1f s; uninterrupted"
                        + " %.1f s, so %.1f s extra; max abs difference of the parameters %.3g, of the optimizer state"
                        + " %.3g%n",
                killedSeconds, afterCheckpoint, KILL_AT, afterCheckpoint * iterationsPerSecond,
                iterationsPerSecond, from.trim(), resumedSeconds, wholeSeconds,
                killedSeconds + resumedSeconds - wholeSeconds,
                Tolerances.maxAbsoluteError(expected[0], actual[0]), Tolerances.maxAbsoluteError(expected[1], actual[1]));
        assertArrayEquals(expected[0], actual[0], "parameters");
        assertArrayEquals(expected[1], actual[1], "optimizer state");
        assertEquals(250, summary.path("iterations").asLong());
        assertEquals(ChildRun.summary(dir.resolve("whole/out")).path("test_accuracy").asDouble(),
                summary.path("test_accuracy").asDouble(), 0.0);
        // metrics.jsonl carries on from the checkpoint: each epoch is there once, as in the uninterrupted run.
        List<String> metrics = Files.readAllLines(killedOut.resolve("out/metrics.jsonl"));
        assertEquals(2, metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count(), metrics.toString());
    }

    /** Waits until checkpoint {@code target} is complete (it appears under its final name only once written). */
    private static void awaitCheckpoint(ChildRun run, Path target) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.isDirectory(target)) {
            if (!run.process().isAlive() || System.nanoTime() > deadline) {
                fail("no " + target + " while the run was alive:\n" + run.output());
            }
            Thread.sleep(50);
        }
        try (Stream<Path> files = Files.list(target)) {
            assertTrue(files.count() >= 2, "a checkpoint appeared before its files");
        }
    }

    private static List<String> train(Path base) {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + base.resolve("out"), "checkpoint.dir=" + base.resolve("ckpt"),
                "spark.master=local[2]", "spark.ui.enabled=false", "output.progress-every=0s",
                // Progress arrives with the heartbeats: every second, a few iterations, finer than the 50 between
                // checkpoints. (Not much less: Spark also times each heartbeat's answer out after this interval.)
                "spark.executor.heartbeatInterval=1s"));
        settings.addAll(JOB);
        return TestData.commandLine("train", settings);
    }
}
