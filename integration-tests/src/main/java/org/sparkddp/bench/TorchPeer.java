package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs {@code deploy/torch-peer.py}, the PyTorch peer, as a child process with its BLAS and OpenMP threads pinned in
 * the environment ({@code OMP_NUM_THREADS}, {@code OPENBLAS_NUM_THREADS} and {@code MKL_NUM_THREADS} set to the
 * threads per process) and glibc's allocator set by {@link Allocator}, and returns the JSON line it prints. Every run
 * is bounded in time. Runs on the benchmark's driver.
 */
final class TorchPeer {
    /**
     * glibc's malloc settings for the peer. With its defaults, glibc hands each step's freed gradient tensors (above
     * its mmap threshold) back to the kernel, and the next step page-faults them in again: on 2-core VMs that cost
     * PyTorch 2-3x at random. Intel's CPU tuning guides for PyTorch tell users to tune the allocator, so the peer at
     * its best runs with thresholds that keep freed memory mapped; the benchmark measures both and keeps the faster.
     */
    enum Allocator {
        TUNED("MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=1000000000",
                Map.of("MALLOC_MMAP_THRESHOLD_", "1000000000", "MALLOC_TRIM_THRESHOLD_", "1000000000")),
        GLIBC_DEFAULTS("glibc's defaults", Map.of());

        private final String label;
        private final Map<String, String> environment;

        Allocator(String label, Map<String, String> environment) {
            this.label = label;
            this.environment = environment;
        }

        /** What the report prints for this setting. */
        String label() {
            return label;
        }
    }

    /** A throughput figure and the allocator setting that gave it. */
    record Rate(double samplesPerSecond, Allocator allocator) {
    }

    static final String ABSENT = "PyTorch absent: apt-get install python3-torch libopenblas0-pthread";
    private static final String SCRIPT = "deploy/torch-peer.py";

    private final Path work;

    TorchPeer(Path work) {
        this.work = work;
    }

    /**
     * {@code $PYTHON} when set, else Debian's {@code /usr/bin/python3} (where {@code python3-torch} installs; a
     * pyenv or venv {@code python3} earlier on the PATH would not see it), else {@code python3} from the PATH.
     */
    static String python() {
        String chosen = System.getenv("PYTHON");
        if (chosen != null && !chosen.isBlank()) {
            return chosen;
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Empty when {@code python3 -c "import torch"} works, else the line the tables print instead of figures. */
    Optional<String> absence() throws IOException, InterruptedException {
        if (!Files.isRegularFile(Path.of(SCRIPT))) {
            return Optional.of("PyTorch peer absent: " + SCRIPT + " not found (run from the repository root)");
        }
        Process p = new ProcessBuilder(python(), "-c", "import torch").redirectErrorStream(true)
                .redirectOutput(work.resolve("import-torch.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return Optional.of(ABSENT + " (import torch took over 120 s)");
        }
        return p.exitValue() == 0 ? Optional.empty() : Optional.of(ABSENT);
    }

    /** The {@code info} line: torch version and the BLAS it was built with. */
    JsonNode info() throws IOException, InterruptedException {
        return line(List.of("info"), 1, Allocator.TUNED, "info", "info", 120);
    }

    /**
     * Steady-state global samples/s (warm-up excluded) of {@code processes} x {@code threads}: the faster of the
     * tuned allocator and glibc's defaults, each measured once, so that the peer runs at its best whichever helps.
     */
    Rate throughput(String model, int processes, int threads, int warmup, int iterations, long timeoutSeconds)
            throws IOException, InterruptedException {
        Rate best = null;
        for (Allocator allocator : Allocator.values()) {
            JsonNode r = line(List.of("throughput", "--model", model, "--processes", "" + processes, "--threads",
                    "" + threads, "--warmup", "" + warmup, "--iterations", "" + iterations), threads, allocator,
                    "throughput", "throughput-" + model + "-" + processes + "x" + threads + "-"
                            + allocator.name().toLowerCase(Locale.ROOT), timeoutSeconds);
            Rate rate = new Rate(r.get("samples_per_second").asDouble(), allocator);
            if (best == null || rate.samplesPerSecond() > best.samplesPerSecond()) {
                best = rate;
            }
        }
        return best;
    }

    /**
     * The {@code time_to_accuracy} line: seconds to each of {@code targets} test accuracy (null when not reached;
     * the peer stops at the highest), with the
     * tuned allocator (a run too long to measure twice; the tuned one is the faster, see {@link Allocator}).
     */
    JsonNode timeToAccuracy(String model, int processes, int threads, int epochs, double[] targets,
            long timeoutSeconds) throws IOException, InterruptedException {
        String list = Arrays.stream(targets).mapToObj(TimeToAccuracy::target).collect(Collectors.joining(","));
        return line(List.of("time-to-accuracy", "--model", model, "--processes", "" + processes, "--threads",
                "" + threads, "--epochs", "" + epochs, "--targets", list), threads, Allocator.TUNED, "time_to_accuracy",
                "tta-" + model + "-" + processes + "x" + threads, timeoutSeconds);
    }

    private JsonNode line(List<String> args, int threads, Allocator allocator, String kind, String name,
            long timeoutSeconds) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(python(), SCRIPT));
        command.addAll(args);
        Path out = work.resolve("torch-" + name + ".out");
        Path err = work.resolve("torch-" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        for (String variable : List.of("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")) {
            builder.environment().put(variable, Integer.toString(threads));
        }
        builder.environment().keySet().removeIf(v -> v.startsWith("MALLOC_")); // the setting is ours, not inherited
        builder.environment().putAll(allocator.environment);
        Process p = builder.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new IllegalStateException("torch-peer.py " + String.join(" ", args) + " ran past " + timeoutSeconds
                    + " s; check " + err);
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("torch-peer.py " + String.join(" ", args) + " exited with "
                    + p.exitValue() + "; check " + err);
        }
        return PeerLines.last(output, kind).orElseThrow(() -> new IllegalStateException("torch-peer.py "
                + String.join(" ", args) + " printed no " + kind + " line; check " + err));
    }
}
