package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spark standalone cluster on loopback, run through {@code deploy/local-cluster}: the script is under test too.
 * The master, the workers and the executors the workers start are separate JVMs, children of this one.
 */
final class LocalCluster implements AutoCloseable {
    private static final Path SCRIPT = TestData.REPO.resolve("deploy/local-cluster");
    /** The application jar that {@code submit} hands to SparkSubmit, as the build made it. */
    static final Path APP_JAR = TestData.REPO.resolve("driver/target/spark-ddp-driver-0.1.0-SNAPSHOT-app.jar");

    private final Path state;
    private final int workers;
    private final int cores;
    private final String memory;

    private LocalCluster(Path state, int workers, int cores, String memory) {
        this.state = state;
        this.workers = workers;
        this.cores = cores;
        this.memory = memory;
    }

    static LocalCluster start(Path state, int workers, int cores, String memory) throws IOException, InterruptedException {
        LocalCluster cluster = new LocalCluster(state, workers, cores, memory);
        cluster.startDaemons();
        return cluster;
    }

    private void startDaemons() throws IOException, InterruptedException {
        Path log = state.resolveSibling(state.getFileName() + "-start.log");
        int code = script(log, "start", "--workers", String.valueOf(workers), "--cores", String.valueOf(cores),
                "--memory", memory);
        assertEquals(0, code, Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Stops the cluster and starts it again in the same state directory, of the same shape. */
    void restart() throws IOException, InterruptedException {
        close();
        startDaemons();
    }

    /** The cluster's state directory: master URL, secret (spark-defaults.conf), pids, logs, executors' work/. */
    Path state() {
        return state;
    }

    /**
     * Waits up to {@code bound} until the cluster is idle: the master and every worker alive, no application active
     * on the master and no executor JVM under a worker. Returns null once it is, or else what is not (at once if a
     * daemon is gone, since waiting cannot bring it back).
     */
    String awaitIdle(Duration bound) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        String busy;
        do {
            String gone = goneDaemon();
            if (gone != null) {
                return gone;
            }
            busy = busy();
            if (busy == null) {
                return null;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        return busy + " after " + bound.toSeconds() + " s";
    }

    private String goneDaemon() throws IOException {
        for (String daemon : daemons()) {
            Path pid = state.resolve(daemon + ".pid");
            if (!Files.exists(pid) || ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
                    .map(p -> !p.isAlive()).orElse(true)) {
                return daemon + " is not running";
            }
        }
        return null;
    }

    private List<String> daemons() {
        List<String> daemons = new ArrayList<>(List.of("master"));
        for (int i = 1; i <= workers; i++) {
            daemons.add("worker-" + i);
        }
        return daemons;
    }

    private String busy() throws IOException {
        List<ProcessHandle> executors = executors();
        if (!executors.isEmpty()) {
            return executors.size() + " executor JVM(s) still run";
        }
        com.fasterxml.jackson.databind.JsonNode status = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                java.net.URI.create("http://127.0.0.1:" + masterUiPort() + "/json/").toURL());
        if (status.path("activeapps").size() > 0 || status.path("aliveworkers").asInt() != workers) {
            return "the master reports " + status.path("activeapps").size() + " active application(s) and "
                    + status.path("aliveworkers").asInt() + " live worker(s) of " + workers;
        }
        return null;
    }

    /**
     * The command that submits spark-ddp through SparkSubmit as a user does: spark-submit options, then the app's
     * arguments. The driver serves the application jar to each executor (over the cluster's encrypted channel), and
     * the executors keep both compilers: the real path, which ClusterTest's sync runs take. Most tests submit
     * {@link #shortJobCommand} or {@link #localJarCommand} instead.
     */
    ProcessBuilder submitCommand(List<String> sparkOptions, List<String> appArgs) {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString(), "submit"));
        command.addAll(sparkOptions);
        command.addAll(appArgs);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SPARK_DDP_CLUSTER_DIR", state.toString());
        // The driver JVM (client mode) coordinates; its executors, which train, keep the default compilers.
        pb.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        return pb;
    }

    /**
     * {@link #submitCommand} with a test-only shortcut, about a quarter of a short application's processor time (a
     * 20-iteration train: 7 CPU-s of 33; measured on 2026-12-08): the executors copy the application jar from this
     * machine's disk ({@code SPARK_DDP_LOCAL_JAR=1}, a {@code local:} jar, which every worker of a loopback cluster
     * sees) instead of fetching its 165 MB from the driver, decrypting as they go. It changes nothing a test checks;
     * the jar's transfer, a replacement executor's included, stays covered by ClusterTest's sync runs, which take
     * {@link #submitCommand}.
     */
    ProcessBuilder localJarCommand(List<String> sparkOptions, List<String> appArgs) {
        ProcessBuilder pb = submitCommand(sparkOptions, appArgs);
        pb.environment().put("SPARK_DDP_LOCAL_JAR", "1");
        return pb;
    }

    /**
     * {@link #localJarCommand} for a job of seconds, whose executors also run the client compiler only
     * ({@link TestData#SHORT_JVM_OPTIONS}, in {@code spark.executor.defaultJavaOptions}, so that a test's own
     * extraJavaOptions still apply): another quarter of a short application's processor time (33 CPU-s, 17 with
     * both). Never for executors that train a real model: under C1 one epoch of a 1.9M-parameter MLP (the Java side
     * of its collective and optimizer) outlasted NativeMemoryStressTest's 3-minute bound on a loaded machine. It
     * changes nothing a test checks (Java's arithmetic is the same under either compiler, and ND4J's is native);
     * C2-compiled executors stay covered by the runs of ClusterTest and NativeMemoryStressTest.
     */
    ProcessBuilder shortJobCommand(List<String> sparkOptions, List<String> appArgs) {
        List<String> options = new ArrayList<>(List.of("--conf",
                "spark.executor.defaultJavaOptions=" + TestData.SHORT_JVM_OPTIONS));
        options.addAll(sparkOptions);
        return localJarCommand(options, appArgs);
    }

    /** The executor JVMs that worker {@code i} (1-based) runs now. */
    List<ProcessHandle> executorsOf(int worker) throws IOException {
        long pid = Long.parseLong(Files.readString(state.resolve("worker-" + worker + ".pid")).trim());
        return executorsUnder(ProcessHandle.of(pid)
                .orElseThrow(() -> new AssertionError("worker " + worker + " is gone")));
    }

    private static List<ProcessHandle> executorsUnder(ProcessHandle worker) {
        return worker.descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .toList();
    }

    /** Every executor JVM that the live workers run now. */
    List<ProcessHandle> executors() throws IOException {
        List<ProcessHandle> executors = new ArrayList<>();
        try (var files = Files.list(state)) {
            for (Path pidFile : files.filter(f -> f.getFileName().toString().matches("worker-\\d+\\.pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim()))
                        .ifPresent(worker -> executors.addAll(executorsUnder(worker)));
            }
        }
        return executors;
    }

    /**
     * Sends {@code signal} ("STOP" or "CONT") to these processes at once: SIGSTOP holds a JVM where it is, no thread
     * running and no socket closed, until SIGCONT lets it go on.
     */
    static void signal(String signal, List<ProcessHandle> processes) throws IOException, InterruptedException {
        // bash's own kill: a fresh Debian machine need not have procps, which installs /bin/kill
        List<String> command = new ArrayList<>(List.of("bash", "-c", "kill -" + signal + " \"$@\"", "kill"));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(30, TimeUnit.SECONDS), "kill -" + signal + " did not finish");
        assertEquals(0, kill.exitValue(), "kill -" + signal + " " + processes + ": "
                + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /**
     * Resumes whichever of {@code processes} are still alive (SIGCONT), for a {@code finally} after
     * {@link #signal signal("STOP", ...)}: quietly, so that a process gone in between never replaces the test's own
     * failure; one left frozen would fail the run's bounded wait instead.
     */
    static void resumeQuietly(List<ProcessHandle> processes) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "kill -CONT \"$@\" 2>/dev/null; exit 0", "kill"));
        processes.stream().filter(ProcessHandle::isAlive).forEach(p -> command.add(Long.toString(p.pid())));
        if (command.size() > 4) {
            Process cont = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!cont.waitFor(30, TimeUnit.SECONDS)) {
                cont.destroyForcibly();
            }
        }
    }

    /**
     * The one executor JVM of the last worker, once it has used {@code cpu} more processor time than when this was
     * called: by then it is computing a training stage, however fast or loaded the machine, so that a kill lands
     * inside a stage. A trigger on the executor's own progress rather than a sleep.
     */
    ProcessHandle busyExecutor(Duration cpu, Duration timeout) throws IOException, InterruptedException {
        List<ProcessHandle> executors = executorsOf(workers);
        assertEquals(1, executors.size(), "executors of the last worker: " + executors);
        ProcessCpu.awaitMore(executors.get(0), cpu, timeout);
        return executors.get(0);
    }

    int workers() {
        return workers;
    }

    /** Starts one more worker daemon of the same size, which joins the running cluster. */
    void addWorker() throws IOException, InterruptedException {
        Path log = state.resolveSibling(state.getFileName() + "-add-worker.log");
        assertEquals(0, script(log, "add-worker"), Files.readString(log, StandardCharsets.UTF_8));
    }

    /**
     * SIGKILLs worker {@code i}'s daemon and its executors together, as a lost host would go: nothing is left to
     * start a replacement on that worker.
     */
    void killWorker(int worker) throws IOException {
        long pid = Long.parseLong(Files.readString(state.resolve("worker-" + worker + ".pid")).trim());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("worker " + worker + " is gone"));
        List<ProcessHandle> all = new ArrayList<>(daemon.descendants().toList());
        all.add(0, daemon);
        for (ProcessHandle p : all) {
            assertTrue(p.destroyForcibly(), "SIGKILL was not sent to " + p.pid());
        }
    }

    /** The master's URL, spark://127.0.0.1:PORT, as {@code start} wrote it. */
    String masterUrl() throws IOException {
        return Files.readString(state.resolve("master.url")).trim();
    }

    /**
     * The port of the master's web UI: the script starts it on a free port (--webui-port 0) and Spark does not log
     * it at our log level, so it is the master JVM's listening TCP port other than the RPC port (Linux /proc).
     */
    int masterUiPort() throws IOException {
        String pid = Files.readString(state.resolve("master.pid")).trim();
        java.util.Set<String> sockets = new java.util.HashSet<>();
        try (var fds = Files.list(Path.of("/proc", pid, "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) { // the master closes connections while we list
                    continue;
                }
                if (target.startsWith("socket:[")) {
                    sockets.add(target.substring("socket:[".length(), target.length() - 1));
                }
            }
        }
        int rpc = Integer.parseInt(masterUrl().substring(masterUrl().lastIndexOf(':') + 1));
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            // One read of the table: it changes between reads as connections come and go.
            List<String> rows = Files.readAllLines(Path.of(table));
            for (String line : rows.subList(Math.min(1, rows.size()), rows.size())) {
                String[] f = line.trim().split("\\s+"); // local_address st ... inode (field 9); st 0A is LISTEN
                int port = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                if (f[3].equals("0A") && sockets.contains(f[9]) && port != rpc) {
                    return port;
                }
            }
        }
        throw new AssertionError("no web UI port found for the master, pid " + pid);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script(state.resolveSibling(state.getFileName() + "-stop.log"), "stop");
    }

    private int script(Path log, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_DDP_CLUSTER_DIR", state.toString());
        // The master and the workers register, heartbeat and launch executors, and compute nothing (a cluster's
        // start: 13 CPU-s, 7 with the client compiler only; measured on 2026-12-08).
        pb.environment().put("SPARK_DAEMON_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "deploy/local-cluster " + args[0] + " did not finish");
        return p.exitValue();
    }
}
