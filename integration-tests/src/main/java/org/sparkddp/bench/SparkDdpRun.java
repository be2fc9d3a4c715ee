package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.output.Json;

/**
 * One {@code spark-ddp train} run, in a child JVM ({@code OMP_NUM_THREADS=1}: one ND4J thread per executor core) or
 * through the shipped launch script itself ({@link #shipped}), and the figures its {@code summary.json} and
 * {@code metrics.jsonl} give. Shared by {@code deploy/bench} and {@code deploy/bench compute}. Runs on the
 * benchmark's driver.
 *
 * @param result  the run's figures, as the benchmark tables print them
 * @param metrics every line of {@code metrics.jsonl}, parsed
 * @param log     the child's standard output and error
 */
record SparkDdpRun(Result result, List<JsonNode> metrics, Path log) {
    /** The launch script users run, relative to the repository root. */
    static final String SHIPPED_COMMAND = "deploy/spark-ddp";
    /** A bound on one run of the shipped command: the longest bench row takes minutes, a hung one never ends. */
    private static final long RUN_LIMIT_MINUTES = 60;

    /**
     * Runs {@code train} with {@code args} (which must not set {@code output.dir}), writing into {@code dir}.
     *
     * @throws IllegalStateException when the run exits non-zero (with the log's last lines)
     */
    static SparkDdpRun train(String name, List<String> args, Path dir, Path log) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("train"));
        all.addAll(args);
        all.addAll(List.of("--set", "output.dir=" + dir));
        ChildJvm.run(Main.class.getName(), all, "1", log);
        return read(name, dir, log);
    }

    /**
     * Runs the shipped command itself, {@code deploy/spark-ddp train} with {@code args} (which must not set
     * {@code output.dir}), writing into {@code dir}: the user's launch script, its JVM flags, classpath and
     * environment defaults (the script sets {@code SPARK_LOCAL_IP}, so Spark's UI is on, as it is for a user), with
     * {@code OMP_NUM_THREADS=1}, the script's own default, and this JVM's {@code java}. Runs from the repository root.
     *
     * @throws IllegalStateException when the run exits non-zero (with the log's last lines)
     */
    static SparkDdpRun shipped(String name, List<String> args, Path dir, Path log)
            throws IOException, InterruptedException {
        Path script = Path.of(SHIPPED_COMMAND);
        if (!Files.isExecutable(script)) {
            throw new IllegalStateException(SHIPPED_COMMAND + " not found in " + Path.of("").toAbsolutePath()
                    + ": run the benchmark from the repository root (deploy/bench does)");
        }
        List<String> command = new ArrayList<>(List.of(script.toString(), "train"));
        command.addAll(args);
        command.addAll(List.of("--set", "output.dir=" + dir));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The script's defaults, not whatever the benchmark's own shell set.
        builder.environment().remove("SPARK_LOCAL_IP");
        builder.environment().remove("SPARK_DDP_JAVA_OPTS");
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process process = builder.start();
        if (!process.waitFor(RUN_LIMIT_MINUTES, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new IllegalStateException(SHIPPED_COMMAND + " train did not end within " + RUN_LIMIT_MINUTES
                    + " minutes and was killed; see its log " + log);
        }
        int code = process.exitValue();
        if (code != 0) {
            List<String> lines = Files.readAllLines(log);
            String last = lines.isEmpty() ? "(empty)" : lines.get(lines.size() - 1);
            throw new IllegalStateException(SHIPPED_COMMAND + " train exited with " + code + " (its last line: " + last
                    + "); see its log " + log);
        }
        return read(name, dir, log);
    }

    /** The figures of a finished run's {@code summary.json} and {@code metrics.jsonl} in {@code dir}. */
    private static SparkDdpRun read(String name, Path dir, Path log) throws IOException {
        JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
        List<JsonNode> metrics = new ArrayList<>();
        double to85 = Double.NaN;
        double last = Double.NaN;
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            JsonNode m = Json.parse(line);
            metrics.add(m);
            if (m.get("type").asText().equals("epoch")) {
                last = m.get("samples_per_second").asDouble();
                if (Double.isNaN(to85) && m.path("test_accuracy").asDouble(0) >= 0.85) {
                    to85 = m.get("train_seconds").asDouble();
                }
            }
        }
        Result result = new Result(name, summary.get("samples_per_second").asDouble(), last, to85,
                summary.get("test_accuracy").asDouble(), summary.get("sync_ms_per_iteration").asDouble(),
                summary.get("compute_ms_per_iteration").asDouble(), summary.get("peak_heap_mb").asDouble());
        return new SparkDdpRun(result, metrics, log);
    }

    /**
     * Steady-state samples/s of the first epoch's iterations after {@code skip}: the examples between the first
     * {@code iteration} line at or past {@code skip} and the epoch's last one, over the elapsed time between them.
     * Excludes start-up (JIT, shard caching, the first stage's scheduling) and every evaluation.
     *
     * @param batch the global batch (every iteration of a full epoch but the last trains this many)
     * @return NaN when the run logged fewer than two such lines
     */
    double steadySamplesPerSecond(int skip, int batch) {
        return SteadyRate.of(metrics, skip, batch);
    }

    /** The engine fallback line of the log ("DL4J's layers compute this network ..."), if the run wrote one. */
    java.util.Optional<String> engineFallback() throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains("the CPU engine does not cover"))
                .map(l -> l.substring(l.indexOf("the CPU engine does not cover"))).findFirst();
    }
}
