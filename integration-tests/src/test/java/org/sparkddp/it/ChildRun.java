package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A spark-ddp run in a child process, with its stdout and stderr in files: what the tests that kill processes
 * watch and then read back.
 */
record ChildRun(Process process, Path stdout, Path stderr, long startNanos) {

    /** {@code deploy/spark-ddp} with these arguments, as a user runs it. */
    static ProcessBuilder launcher(List<String> args) {
        List<String> command = new ArrayList<>(List.of(TestData.REPO.resolve("deploy/spark-ddp").toString()));
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    /**
     * {@link #launcher} for a short run of a small job, with {@link TestData#SHORT_JVM_OPTIONS} (the client compiler
     * only) in {@code SPARK_DDP_JAVA_OPTS}: the test runs that start, signal or kill a local training JVM. The launcher's
     * own flags, C2 included, stay under test in {@code LauncherTest}'s training run.
     */
    static ProcessBuilder shortLauncher(List<String> args) {
        ProcessBuilder builder = launcher(args);
        builder.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        return builder;
    }

    static ChildRun start(ProcessBuilder builder, Path dir, String name) throws IOException {
        Path out = dir.resolve(name + ".stdout");
        Path err = dir.resolve(name + ".stderr");
        long start = System.nanoTime();
        return new ChildRun(builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err, start);
    }

    /** Waits until stdout has a line containing {@code text}; fails if the run ends first or time runs out. */
    void awaitLine(String text, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(stdout, StandardCharsets.UTF_8).contains(text)) {
                return;
            }
            if (!process.isAlive()) {
                fail("the run ended (exit " + process.exitValue() + ") before printing '" + text + "':\n" + output());
            }
            Thread.sleep(100);
        }
        fail("no '" + text + "' within " + timeout + ":\n" + output());
    }

    /**
     * Waits until the run's progress lines ({@code output.progress-every=0s} prints one per executor heartbeat and one
     * at each stage's end) say that global iteration {@code k} is done: a trigger on the training's own progress,
     * not on a sleep.
     */
    void awaitIteration(long k, Duration timeout) throws IOException, InterruptedException {
        awaitProgress(k, 1.0, timeout);
    }

    /**
     * Waits until an executor's heartbeat reports global iteration {@code k} or later from inside a running stage:
     * a progress line whose iteration lies in the first three quarters of its epoch. A stage's end line (iteration
     * n/n) does not count, so a kill sent on return lands in a training stage with about a quarter of an epoch still
     * to run, not in the evaluation between two epochs, where it fails no training stage. Needs stages that span
     * whole epochs ({@code training.iterations-per-stage} unset) and a heartbeat interval well under an epoch.
     */
    void awaitIterationInsideStage(long k, Duration timeout) throws IOException, InterruptedException {
        awaitProgress(k, 0.75, timeout);
    }

    /** Waits for a progress line at or past global iteration k, at most {@code epochFraction} into its epoch. */
    private void awaitProgress(long k, double epochFraction, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            java.util.regex.Matcher m = PROGRESS.matcher(Files.readString(stdout, StandardCharsets.UTF_8));
            while (m.find()) {
                long inEpoch = Long.parseLong(m.group(2));
                long perEpoch = Long.parseLong(m.group(3));
                long done = (Long.parseLong(m.group(1)) - 1) * perEpoch + inEpoch;
                if (done >= k && inEpoch <= epochFraction * perEpoch) {
                    return;
                }
            }
            if (!process.isAlive()) {
                fail("the run ended (exit " + process.exitValue() + ") before iteration " + k + ":\n" + output());
            }
            Thread.sleep(50);
        }
        fail("no progress to iteration " + k + " within " + timeout + ":\n" + output());
    }

    /** ConsoleProgress's line: "epoch 2/3 · iteration 40/125 · loss ...". */
    private static final java.util.regex.Pattern PROGRESS =
            java.util.regex.Pattern.compile("epoch (\\d+)/\\d+ · iteration (\\d+)/(\\d+) · loss");

    /** Waits for the run to end by itself and asserts that it succeeded; returns its wall time in seconds. */
    double awaitSuccess(Duration timeout) throws IOException, InterruptedException {
        assertTrue(process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "the run did not end within " + timeout);
        assertEquals(0, process.exitValue(), output());
        return (System.nanoTime() - startNanos) / 1e9;
    }

    String output() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8) + Files.readString(stderr, StandardCharsets.UTF_8);
    }

    /** The parameters (then the optimizer state) of a model.zip, as plain DL4J reads it. */
    static float[][] model(Path zip) throws IOException {
        MultiLayerNetwork net = MultiLayerNetwork.load(new File(zip.toString()), true);
        return new float[][] {net.params().toFloatVector(), net.getUpdater().getStateViewArray().toFloatVector()};
    }

    static JsonNode summary(Path outputDir) throws IOException {
        return new ObjectMapper().readTree(outputDir.resolve("summary.json").toFile());
    }
}
