package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.bench.Benchmark;

/**
 * Ctrl-C (SIGINT) and SIGTERM to a training driver, through the launcher in a child process as a user runs it:
 * the run ends with the shell's status for the signal and exactly one line on stderr after it that says where it
 * stopped and how to resume, no stack trace anywhere, and its last checkpoint resumes.
 */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DriverSignalTest {
    /** 125 iterations an epoch, a checkpoint every 20: the signal comes once one is written and training goes on. */
    private static final List<String> JOB = List.of("training.epochs=3", "training.batch-size=16",
            "model.layers=" + Benchmark.dense(1024, 1024), "checkpoint.every-iterations=20", "checkpoint.keep=3");
    private static final Pattern LINE = Pattern.compile("spark-ddp: interrupted at iteration (\\d+) \\(epoch (\\d+)\\);"
            + " the last checkpoint is (\\S+); resume with --resume (\\S+)");
    /** A stack trace's line, wherever it is printed. */
    private static final Pattern STACK = Pattern.compile("(?m)^\\s*at [\\w$.]+\\(|^Caused by: |Exception in thread");

    @TempDir
    Path dir;
    private final List<ChildRun> runs = new ArrayList<>();

    @AfterEach
    void endRuns() {
        runs.forEach(r -> r.process().destroyForcibly());
    }

    @ParameterizedTest
    @CsvSource({"INT, 130", "TERM, 143"})
    void aSignalEndsTheRunInOneLineWithItsStatusAndTheLastCheckpointResumes(String signal, int status)
            throws Exception {
        Path base = dir.resolve(signal);
        ChildRun run = start(TestData.commandLine("train", settings(base, JOB)), signal);
        awaitCheckpoint(run, base.resolve("ckpt/ckpt-000000000020"));
        run.awaitIteration(30, Duration.ofMinutes(2));
        // A loaded machine can make Spark warn (a late heartbeat) before the signal: those lines are not its doing.
        long before = Files.size(run.stderr());
        LocalCluster.signal(signal, List.of(run.process().toHandle()));
        assertTrue(run.process().waitFor(2, TimeUnit.MINUTES), "the run did not end after SIG" + signal);

        assertEquals(status, run.process().exitValue(), run.output());
        byte[] err = Files.readAllBytes(run.stderr());
        String stderr = new String(err, (int) before, err.length - (int) before, StandardCharsets.UTF_8);
        List<String> lines = stderr.lines().toList();
        assertEquals(1, lines.size(), run.output());
        Matcher m = LINE.matcher(lines.get(0));
        assertTrue(m.matches(), lines.get(0));
        long iteration = Long.parseLong(m.group(1));
        assertTrue(iteration >= 30 && iteration <= 375, lines.get(0));
        assertEquals((iteration - 1) / 125 + 1, Long.parseLong(m.group(2)), lines.get(0));
        String checkpoint = m.group(3);
        assertEquals(checkpoint, m.group(4));
        long checkpointed = Long.parseLong(checkpoint.substring(checkpoint.lastIndexOf('-') + 1));
        assertTrue(checkpointed >= 20 && checkpointed <= iteration, lines.get(0));
        assertFalse(STACK.matcher(run.output()).find(), run.output());
        assertFalse(Files.exists(base.resolve("out/model.zip")), "an interrupted run wrote a model");

        // The checkpoint the line names continues the run.
        long until = checkpointed + 5;
        ChildRun resumed = start(List.of("train", "--resume", checkpoint, "--set", "training.max-iterations=" + until,
                "--set", "spark.master=local[2]", "--set", "spark.ui.enabled=false"), signal + "-resumed");
        resumed.awaitSuccess(Duration.ofMinutes(4));
        assertTrue(resumed.output().contains("resuming from " + checkpoint + " at iteration " + checkpointed),
                resumed.output());
        assertEquals(until, ChildRun.summary(base.resolve("out")).path("iterations").asLong());
    }

    private ChildRun start(List<String> args, String name) throws IOException {
        // A child of a shell script's background job starts with SIGINT ignored, and a JVM keeps an ignored signal
        // ignored: env puts it back to the default first.
        ProcessBuilder builder = ChildRun.shortLauncher(args);
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT,TERM"));
        command.addAll(builder.command());
        ChildRun run = ChildRun.start(builder.command(command), dir, name);
        runs.add(run);
        return run;
    }

    private static List<String> settings(Path base, List<String> job) {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + base.resolve("out"), "checkpoint.dir=" + base.resolve("ckpt"),
                "spark.master=local[2]", "spark.ui.enabled=false", "output.progress-every=0s",
                "spark.executor.heartbeatInterval=1s"));
        settings.addAll(job);
        return settings;
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
    }
}
