package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
import org.sparkddp.bench.Benchmark;
import org.sparkddp.driver.Main;

/**
 * Training on the standalone cluster under memory pressure: many short stages, executors with small
 * heaps, a 4 MB young generation and a thread making garbage ({@link GcPressureAgent}), so that a young GC lands
 * inside ND4J's native calls every few milliseconds.
 * Before ND4J's ops were fenced ({@code FencedExecutioner}), these are the conditions in which an executor died
 * with SIGSEGV in {@code sd::DataBuffer::primary()} and the driver's resubmission hid it.
 *
 * <p>A recovered failure is still a failure here: the run must need no stage retry, leave no {@code hs_err} file
 * in any executor's directory, and end with the parameters and optimizer state of the same job run undisturbed in
 * local mode, bit for bit.
 */
@Tag("slow")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class NativeMemoryStressTest extends StandaloneClusterTest {
    /**
     * 2,000 training images at batch 16 through eight narrow dense layers: 125 short iterations an epoch, each
     * dozens of small ND4J ops (a bias broadcast per layer each way), so that GCs meet ops as often as possible;
     * stages of 5 iterations, 50 in all.
     */
    private static final List<String> JOB = List.of("training.epochs=2", "training.batch-size=16",
            "training.iterations-per-stage=5", "model.layers=" + Benchmark.dense(32, 32, 32, 32, 32, 32, 32, 32),
            "spark.ui.enabled=false");

    @Test
    void manyShortStagesUnderGcPressureCrashNothingAndMatchAnUndisturbedRun() throws Exception {
        Path clusterOut = dir.resolve("stress");
        List<Path> crashesBefore = crashFiles();
        // Small executor heaps, a 4 MB young generation and a thread making garbage: a young GC every few ms.
        List<String> gcPressure = List.of("--conf", "spark.executor.memory=512m", "--conf",
                "spark.executor.extraJavaOptions=-Xmn4m -javaagent:" + GcPressureAgent.jar(dir));
        ChildRun run = ChildRun.start(cluster.localJarCommand(gcPressure, trainArgs(clusterOut)), dir, "stress");
        run.awaitSuccess(Duration.ofMinutes(10));
        List<Path> crashes = new ArrayList<>(crashFiles());
        crashes.removeAll(crashesBefore);
        assertEquals(List.of(), crashes, "executors crashed:\n" + run.output());
        JsonNode summary = ChildRun.summary(clusterOut);
        assertEquals(0, summary.path("stage_retries").asInt(), "a stage was retried:\n" + run.output());
        assertEquals(0, summary.path("executor_losses").size(), "executors left:\n" + run.output());
        assertEquals(250, summary.path("iterations").asLong());

        Path referenceOut = dir.resolve("reference");
        List<String> local = new ArrayList<>(trainArgs(referenceOut));
        local.addAll(List.of("--set", "spark.master=local[2]"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(local.toArray(String[]::new),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

        float[][] expected = ChildRun.model(referenceOut.resolve("model.zip"));
        float[][] actual = ChildRun.model(clusterOut.resolve("model.zip"));
        System.out.printf(Locale.ROOT, "native-memory stress: %d iterations in stages of 5 on the cluster, no retry,"
                + " no hs_err, %.1f s; parameters bitwise equal to local mode: %b%n",
                summary.path("iterations").asLong(), summary.path("wall_seconds").asDouble(),
                java.util.Arrays.equals(expected[0], actual[0]) && java.util.Arrays.equals(expected[1], actual[1]));
        assertArrayEquals(expected[0], actual[0], "parameters differ from the undisturbed local run");
        assertArrayEquals(expected[1], actual[1], "optimizer state differs from the undisturbed local run");
    }

    /**
     * The other side: an executor that does crash (SIGSEGV sent to it mid-epoch, which HotSpot handles as a fault
     * in native code: it writes its fatal error log and aborts with exit code 134) is recovered from, and named.
     */
    @Test
    void aCrashedExecutorIsReportedWithItsExitCodeAndCrashReport() throws Exception {
        Path out = dir.resolve("crashed");
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + out, "training.epochs=2", "training.batch-size=16",
                "model.layers=" + Benchmark.dense(1024, 1024), "spark.ui.enabled=false"));
        ChildRun run = ChildRun.start(cluster.localJarCommand(List.of(), TestData.commandLine("train", settings)), dir,
                "crashed");
        // Epoch 2 (125 iterations of a 1.9M-parameter MLP) starts once epoch 1's line is out and takes seconds of
        // computing: half a second of it in, the executor is mid-stage.
        run.awaitLine("epoch 1/2 · train loss", Duration.ofMinutes(3));
        long pid = cluster.busyExecutor(Duration.ofMillis(500), Duration.ofMinutes(2)).pid();
        Process kill = new ProcessBuilder("kill", "-SEGV", Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -SEGV " + pid);
        run.awaitSuccess(Duration.ofMinutes(5));

        JsonNode summary = ChildRun.summary(out);
        assertTrue(summary.path("stage_retries").asInt() >= 1, run.output());
        assertEquals(1, summary.path("executor_crashes").asInt(), run.output());
        JsonNode loss = summary.path("executor_losses").get(0);
        assertEquals("crashed", loss.path("kind").asText(), loss.toString());
        assertEquals(134, loss.path("exit_code").asInt(), loss.toString());
        Path report = Path.of(loss.path("crash_report").asText());
        assertEquals("hs_err_pid" + pid + ".log", report.getFileName().toString(), loss.toString());
        assertTrue(Files.isRegularFile(report), "no crash report at " + report);
        assertTrue(Files.readString(report).contains("SIGSEGV"), report.toString());
        String console = Files.readString(run.stdout(), StandardCharsets.UTF_8);
        console.lines().filter(l -> l.startsWith("crashed: ") || l.startsWith("recovered: "))
                .forEach(System.out::println);
        assertTrue(console.contains("crashed: executor " + loss.path("executor").asText() + " on ")
                && console.contains("crash report: " + report), console);
    }

    private static List<String> trainArgs(Path out) {
        List<String> settings = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + out));
        settings.addAll(JOB);
        return TestData.commandLine("train", settings);
    }

    /** Every fatal error log under the cluster's executors' working directories. */
    private List<Path> crashFiles() throws IOException {
        Path workDirs = cluster.state().resolve("work");
        if (!Files.isDirectory(workDirs)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(workDirs)) {
            return files.filter(p -> p.getFileName().toString().startsWith("hs_err")).toList();
        }
    }
}
