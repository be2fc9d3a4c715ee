package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.bench.Benchmark;
import org.sparkddp.bench.MiniHdfs;
import org.sparkddp.driver.Main;

/**
 * spark-ddp on a real YARN: a resource manager and a node manager ({@link MiniYarn}) and an HDFS ({@link MiniHdfs})
 * in this JVM, the job submitted with {@code deploy/submit yarn} as docs/CLUSTERS.md says, through the spark-submit
 * of the Spark home the build assembles. The application master, the driver in cluster mode, and the executors run
 * in YARN containers, JVMs that the node manager starts; the data, the staged jars and the outputs are on HDFS.
 * In client mode one executor's container is killed mid-epoch: YARN starts a replacement, and the run must end as
 * an undisturbed one does, here a local-mode run in this JVM. Should YARN not place the executors, the driver ends
 * the run within training.replacement-wait with one line, which a failed test shows.
 */
@Tag("slow")
@Timeout(value = 20, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class YarnTest {
    private static final Path SUBMIT = TestData.REPO.resolve("deploy/submit");
    private static final Path SPARK_HOME = TestData.REPO.resolve("deploy/spark-home/target/spark-home");
    /** Where YARN's executors show in a process list: the main class of every Spark executor on YARN. */
    private static final String EXECUTOR_CLASS = "org.apache.spark.executor.YarnCoarseGrainedExecutorBackend";
    /**
     * 250 iterations (two epochs) of a 1.9M-parameter MLP: an epoch lasts seconds, so a kill at iteration 150 lands
     * inside epoch 2's stage. The executors are frozen (SIGSTOP) the moment the trigger is seen and the stage is
     * checked to be still running before the kill, so a kill that came too late fails the test in one line instead
     * of passing without a failed stage; between the trigger and the freeze at least a quarter of the epoch is left.
     * (With two epochs and no freeze, a run on a quiet machine once finished its last 100 iterations between the
     * progress line that triggers the kill and the kill itself, unnoticed.)
     */
    private static final List<String> KILL_JOB = List.of("training.epochs=2", "training.batch-size=16",
            "model.layers=" + Benchmark.dense(1024, 1024));
    /** The kill job's iterations: 2,000 examples in global batches of 16, two epochs. */
    private static final long KILL_JOB_ITERATIONS = 250;
    /**
     * Test-only: C1 alone for JVMs that coordinate or train a few iterations (the spark-submit client, the
     * application masters, the drivers, and the executors of the short cluster-mode job), which C2 would spend more
     * processor time compiling than it saves. The kill test's executors, which train 250 iterations of a large MLP,
     * keep the default compilers, as users' executors do.
     */
    private static final String C1 = TestData.SHORT_JVM_OPTIONS;

    private Path dir;
    private MiniHdfs hdfs;
    private MiniYarn yarn;
    private String data;
    private final List<ChildRun> runs = new ArrayList<>();

    @BeforeAll
    void startClusters(@TempDir Path tmp) throws Exception {
        dir = tmp;
        // 64 MB blocks: the staged application jar (about 150 MB) is a few blocks, not thousands.
        hdfs = MiniHdfs.start(dir.resolve("hdfs"), 64L << 20);
        data = hdfs.put("/data/fashion-mnist-small", TestData.TRAIN, TestData.TEST,
                TestData.DIR.resolve("train-labels-idx1-ubyte.gz"), TestData.DIR.resolve("t10k-labels-idx1-ubyte.gz"));
        yarn = MiniYarn.start(dir.resolve("hadoop-conf"), hdfs.uri().toString());
    }

    @AfterAll
    void stopClusters() {
        if (yarn != null) {
            yarn.close();
        }
        if (hdfs != null) {
            hdfs.close();
        }
    }

    /** A failed test must not leave its spark-submit (and, in client mode, its driver) running. */
    @AfterEach
    void endRuns() {
        for (ChildRun run : runs) {
            run.process().descendants().forEach(ProcessHandle::destroyForcibly);
            run.process().destroyForcibly();
        }
        runs.clear();
    }

    @Test
    void theDefaultJobTrainsInClusterModeAndWritesItsOutputsToHdfs() throws Exception {
        String out = hdfs.uri("/runs/cluster-mode");
        ChildRun run = submit("cluster-mode", "cluster", List.of("--conf", "spark.executor.defaultJavaOptions=" + C1),
                List.of("training.epochs=2", "output.dir=" + out));
        // spark-submit waits for the application and exits 0 only if it succeeded; the driver's own words are in
        // its container's logs.
        awaitExit(run, Duration.ofMinutes(8));
        double seconds = (System.nanoTime() - run.startNanos()) / 1e9;
        if (run.process().exitValue() != 0) {
            fail("spark-submit exited with " + run.process().exitValue() + ":\n" + run.output() + "\n" + amLogs());
        }

        JsonNode summary = summaryOnHdfs(out);
        System.out.printf(Locale.ROOT, "YARN cluster mode, the default job for 2 epochs: %.1f s submit to exit,"
                + " %.1f s in the driver; test accuracy %.4f%n", seconds, summary.path("wall_seconds").asDouble(),
                summary.path("test_accuracy").asDouble());
        assertEquals("yarn", summary.path("spark_master").asText(), summary.toString());
        assertEquals(2, summary.path("workers").asInt(), summary.toString());
        assertEquals(2000, summary.path("train_examples").asInt(), summary.toString());
        // 2,000 examples in global batches of 128: 16 iterations an epoch.
        assertEquals(32, summary.path("iterations").asLong(), summary.toString());
        assertEquals(0, summary.path("stage_retries").asInt(), summary.toString());
        double accuracy = summary.path("test_accuracy").asDouble();
        assertTrue(accuracy > 0.5 && accuracy <= 1, "test accuracy " + accuracy);
        // The model loads in plain DL4J, with the summary's parameter count, and is the model the same job trains
        // in local mode.
        float[][] model = ChildRun.model(copyToLocal(out + "/model.zip"));
        assertEquals(summary.path("parameters").asLong(), model[0].length);
        float[][] expected = localReference(List.of("training.epochs=2"), "default-reference");
        assertTrue(Tolerances.maxRelativeError(expected[0], model[0], 1e-3) <= 1e-6, "parameters differ");
        // The driver ran in the application master's container: its console is that container's stdout.
        String driverConsole = amLog("stdout", out);
        assertTrue(driverConsole.contains("outputs: " + out + "/{model.zip"), driverConsole);
    }

    @Test
    void badInputInClusterModeFailsTheApplicationWithTheDriversStatusAndOneLine() throws Exception {
        String missing = data + "/nothing-here-images-idx3-ubyte.gz";
        ChildRun run = submit("cluster-missing", "cluster", List.of(), List.of("data.train=" + missing,
                "output.dir=" + hdfs.uri("/runs/missing")));
        awaitExit(run, Duration.ofMinutes(8));
        assertEquals(1, run.process().exitValue(), run.output());
        // The driver's exit status reaches YARN as the application's, and spark-submit says so...
        assertTrue(run.output().contains("User application exited with status " + Main.INVALID_INPUT), run.output());
        // ...and its one line is in its container's stderr, as on a console.
        String line = "spark-ddp: error: " + missing + ": no such file";
        String stderr = amLog("stderr", missing);
        assertTrue(stderr.lines().anyMatch(line::equals), stderr);
    }

    @Test
    void anExecutorContainerKilledMidEpochChangesNothingInTheResult() throws Exception {
        String out = hdfs.uri("/runs/killed");
        List<String> settings = new ArrayList<>(KILL_JOB);
        settings.add("output.dir=" + out);
        settings.add("output.progress-every=0s");
        // An epoch lasts about 2 s here: heartbeats every 500 ms report progress from inside its stage.
        settings.add("spark.executor.heartbeatInterval=500ms");
        ChildRun run = submit("client-killed", "client", List.of(), settings);

        // The kill must land in a training stage, not in the evaluation after it: wait for a heartbeat from inside
        // one, past iteration 150 (a stage's end line there was once taken for it, and no stage failed), freeze both
        // executors at once, and kill one only if the stage's end has not reached the driver by then.
        run.awaitIterationInsideStage(150, Duration.ofMinutes(5));
        List<ProcessHandle> executors = executors();
        assertEquals(2, executors.size(), "executor containers: " + executors);
        ProcessHandle victim = executors.get(executors.size() - 1);
        long killedAt;
        try {
            LocalCluster.signal("STOP", executors);
            assertStageStillRuns(run);
            killedAt = System.nanoTime();
            assertTrue(victim.destroyForcibly(), "SIGKILL was not sent to " + victim.pid());
            victim.onExit().get(30, TimeUnit.SECONDS);
        } finally {
            LocalCluster.resumeQuietly(executors);
        }
        double toTraining = awaitTrainingAgain(run, Duration.ofMinutes(4)) - (killedAt - run.startNanos()) / 1e9;
        double seconds = run.awaitSuccess(Duration.ofMinutes(6));
        double afterKill = (System.nanoTime() - killedAt) / 1e9;

        JsonNode summary = summaryOnHdfs(out);
        assertEquals(KILL_JOB_ITERATIONS, summary.path("iterations").asLong(), summary.toString());
        assertEquals(1, summary.path("stage_retries").asInt(), "the kill did not fail one training stage:\n"
                + run.output());
        assertEquals(0, summary.path("executor_crashes").asInt(), run.output());
        JsonNode loss = summary.path("executor_losses").path(0);
        assertEquals(1, summary.path("executor_losses").size(), summary + "\n" + run.output());
        assertEquals("killed", loss.path("kind").asText(), summary.toString());
        assertEquals(137, loss.path("exit_code").asInt(), summary.toString());
        // The driver's console names the lost executor in one line, and the recovery in another.
        List<String> console = Files.readAllLines(run.stdout(), StandardCharsets.UTF_8);
        List<String> lost = console.stream().filter(l -> l.startsWith("lost: executor ")).toList();
        assertEquals(1, lost.size(), run.output());
        assertTrue(lost.get(0).endsWith(" was killed with exit code 137"), lost.get(0));
        assertTrue(console.stream().anyMatch(l -> l.startsWith("recovered: 1 stage resubmission after")), run.output());
        // ...and the resubmission as it happened, in one line of stderr.
        List<String> resubmitted = Files.readAllLines(run.stderr(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("resubmitting it from the same state")).toList();
        assertEquals(1, resubmitted.size(), run.output());
        assertTrue(resubmitted.get(0).contains("failed on attempt 1 of "), resubmitted.get(0));

        float[][] expected = localReference(KILL_JOB, "killed-reference");
        float[][] actual = ChildRun.model(copyToLocal(out + "/model.zip"));
        double params = Tolerances.maxRelativeError(expected[0], actual[0], 1e-3);
        double updater = Tolerances.maxRelativeError(expected[1], actual[1], 1e-3);
        System.out.printf(Locale.ROOT, "YARN client mode, executor container killed at iteration 150 of 250: %s;"
                        + " %.1f s in failed attempts, training again (the resubmitted stage's first progress line)"
                        + " %.1f s after the kill, run ended %.1f s after the kill, %.1f s in all; max relative"
                        + " difference from the undisturbed local run: parameters %.3g, optimizer state %.3g%n",
                lost.get(0), summary.path("failed_attempt_seconds").asDouble(), toTraining, afterKill, seconds, params,
                updater);
        assertTrue(params <= 1e-6, "parameters differ by " + params + " relative");
        assertTrue(updater <= 1e-6, "optimizer state differs by " + updater + " relative");
    }

    /**
     * With the executors frozen, checks that the training stage the trigger came from, the second epoch's, is still
     * running: the driver has printed neither its end (iteration 125/125) nor the epoch's line. A stage's last
     * results still on their way are given a moment to arrive first.
     */
    private static void assertStageStillRuns(ChildRun run) throws IOException, InterruptedException {
        Thread.sleep(500);
        String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
        boolean ended = stdout.contains("epoch 2/2 · iteration 125/125 ")
                || stdout.contains("epoch 2/2 · train loss");
        assertTrue(!ended, "the stage ended before the kill could land in it (the machine ran the quarter epoch"
                + " between the trigger and the freeze):\n" + run.output());
    }

    /**
     * Waits until the driver has resubmitted the failed stage (its warning on stderr) and then printed a progress
     * line (on stdout, after the warning came); returns when, in seconds since the run started. A measurement, not
     * a check: a run that ends first returns then.
     */
    private static double awaitTrainingAgain(ChildRun run, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int from = -1;
        while (System.nanoTime() < deadline && run.process().isAlive()) {
            String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
            if (from < 0 && Files.readString(run.stderr(), StandardCharsets.UTF_8).contains("resubmitting it from")) {
                from = stdout.length();
            } else if (from >= 0 && stdout.indexOf(" · iteration ", from) >= 0) {
                break;
            }
            Thread.sleep(50);
        }
        return (System.nanoTime() - run.startNanos()) / 1e9;
    }

    /**
     * The model (parameters, then optimizer state) of the same job run undisturbed in local mode in this JVM, from
     * the same files on local disk.
     */
    private float[][] localReference(List<String> settings, String name) throws IOException {
        Path reference = dir.resolve(name);
        List<String> local = new ArrayList<>(settings);
        local.addAll(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST, "output.dir=" + reference,
                "spark.master=local[2]", "spark.ui.enabled=false"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(TestData.commandLine("train", local).toArray(String[]::new),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return ChildRun.model(reference.resolve("model.zip"));
    }

    /**
     * {@code deploy/submit yarn} as a user on the cluster's gateway runs it: HADOOP_CONF_DIR names the cluster and
     * spark-submit is the assembled Spark home's. The rest is what this one-machine cluster needs: the node
     * manager's environment has no JAVA_HOME, the Spark jars are already on its disk (so they are not uploaded for
     * each run), and the containers are small.
     */
    private ChildRun submit(String name, String deployMode, List<String> sparkOptions, List<String> settings)
            throws IOException {
        String javaHome = System.getProperty("java.home");
        List<String> command = new ArrayList<>(List.of(SUBMIT.toString(), "yarn", "--workers", "2",
                "--executor-memory", "512m", "--deploy-mode", deployMode, "--driver-memory", "1g",
                "--conf", "spark.yarn.am.memory=512m",
                "--conf", "spark.yarn.jars=local:" + SPARK_HOME.resolve("jars") + "/*",
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
                "--conf", "spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1",
                "--conf", "spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
                // A failed driver is reported, not run again in a second application attempt.
                "--conf", "spark.yarn.maxAppAttempts=1",
                // Test cluster only, fixed waits that cost wall time and no processor time: the application master
                // asks YARN for containers (a replacement too) every second rather than every 3 s, and spark-submit
                // sees the application end within 250 ms rather than a second.
                "--conf", "spark.yarn.scheduler.heartbeat.interval-ms=1000",
                "--conf", "spark.yarn.report.interval=250ms",
                // C1 for the drivers and the application masters (see C1); deploy/submit's own driver options follow.
                "--conf", "spark.driver.defaultJavaOptions=" + C1,
                "--conf", "spark.yarn.am.extraJavaOptions=" + C1));
        command.addAll(sparkOptions);
        List<String> all = new ArrayList<>(List.of("data.train=" + data + "/train-images-idx3-ubyte.gz",
                "data.test=" + data + "/t10k-images-idx3-ubyte.gz", "spark.ui.enabled=false"));
        all.addAll(settings);
        command.add("--");
        command.addAll(TestData.commandLine("train", all));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("HADOOP_CONF_DIR", yarn.confDir().toString());
        pb.environment().remove("SPARK_HOME");
        pb.environment().put("SPARK_SUBMIT_OPTS", C1); // the spark-submit JVM: YARN's client, or the client-mode driver
        pb.environment().put("PATH", SPARK_HOME.getParent().getParent().resolve("bin") + ":"
                + System.getenv("PATH"));
        ChildRun run = ChildRun.start(pb, dir, name);
        runs.add(run);
        return run;
    }

    /**
     * The executor JVMs that the node manager runs now: its containers are children of this JVM, each a shell
     * ({@code bash -c "java ..."}) and the JVM under it.
     */
    private static List<ProcessHandle> executors() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").endsWith("/java")
                        && p.info().commandLine().orElse("").contains(EXECUTOR_CLASS))
                .sorted(java.util.Comparator.comparingLong(ProcessHandle::pid))
                .toList();
    }

    private JsonNode summaryOnHdfs(String outputDir) throws IOException {
        try (InputStream in = hdfs.fs().open(new org.apache.hadoop.fs.Path(outputDir + "/summary.json"))) {
            return new ObjectMapper().readTree(in);
        }
    }

    private Path copyToLocal(String uri) throws IOException {
        Path copy = dir.resolve("model-" + System.nanoTime() + ".zip");
        hdfs.fs().copyToLocalFile(new org.apache.hadoop.fs.Path(uri), new org.apache.hadoop.fs.Path(copy.toUri()));
        return copy;
    }

    /**
     * Waits for a cluster-mode spark-submit, which waits for its application: one that YARN never gives an
     * application master's container stays ACCEPTED, and spark-submit with it.
     */
    private void awaitExit(ChildRun run, Duration timeout) throws IOException, InterruptedException {
        if (!run.process().waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            fail("spark-submit did not end within " + timeout + " (an application YARN placed no container for stays"
                    + " ACCEPTED):\n" + run.output() + "\n" + amLogs());
        }
    }

    /** Every application master's stdout and stderr (the driver's, in cluster mode), for a failure's message. */
    private String amLogs() {
        StringBuilder all = new StringBuilder();
        for (Path logs : yarn.containerLogDirs()) {
            try (Stream<Path> files = Files.walk(logs)) {
                for (Path f : files.filter(f -> f.getParent().getFileName().toString().endsWith("_000001")
                        && List.of("stdout", "stderr").contains(f.getFileName().toString())).sorted().toList()) {
                    all.append("== ").append(f).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                all.append("(cannot read ").append(logs).append(": ").append(e).append(")\n");
            }
        }
        return all.toString();
    }

    /**
     * The {@code stdout} or {@code stderr} of the application master's container (container ..._000001), in
     * cluster mode the driver's, of the application whose driver mentioned {@code text} there.
     */
    private String amLog(String name, String text) throws IOException {
        List<Path> found = new ArrayList<>();
        for (Path logs : yarn.containerLogDirs()) {
            try (Stream<Path> files = Files.walk(logs)) {
                files.filter(f -> f.getFileName().toString().equals(name)
                        && f.getParent().getFileName().toString().endsWith("_000001")).forEach(found::add);
            }
        }
        for (Path log : found) {
            String content = Files.readString(log, StandardCharsets.UTF_8);
            if (content.contains(text)) {
                return content;
            }
        }
        throw new AssertionError("no application master's " + name + " mentions " + text + " in " + found + ":\n"
                + amLogs());
    }
}
