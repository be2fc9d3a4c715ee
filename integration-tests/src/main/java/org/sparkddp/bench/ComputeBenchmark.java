package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.output.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench compute}: the compute per core, in one run on this machine, for the MLP and the CNN
 * ({@code conf/fashion-mnist-mlp.conf}, {@code conf/fashion-mnist-cnn.conf}, batch 128): the one-thread OpenBLAS
 * sgemm ceiling, the models' FLOPs, single-process steps (DL4J's and the CPU engine's), spark-ddp sync with
 * {@code training.engine} auto and dl4j, and the PyTorch peer ({@code deploy/torch-peer.py}: 1 x 1, 1 x 2, DDP 2 x 1).
 * Prints Markdown: samples/s, GFLOP/s, the share of the ceiling, and the ratios issue 18 sets as targets. Runs on
 * the benchmark's driver; every measurement runs in a child process.
 *
 * <p>Options: {@code --quick} (fewer iterations: about 4 minutes), {@code --out FILE} (also write the Markdown).
 */
public final class ComputeBenchmark {
    /**
     * How long each contender runs. A spark-ddp run trains {@code syncEpochs} epochs of at most {@code syncIterations}
     * iterations in all, and its rate is taken in the epoch of iteration {@code syncSkip}, from there to that epoch's
     * end: the iterations before are its warm-up. The MLP's is whole epochs: with 2 workers on 2 cores, the JIT
     * compiles while both cores train, and the shipped command's rate climbs for about two epochs (42k, 71k, then
     * 85-100k samples/s in the quickstart on an idle machine, 2026-12-08; 1 worker: 44k, then 58-61k), so one
     * epoch's tail measured the warm-up.
     */
    record Effort(int stepWarmup, int stepSteps, int syncEpochs, int syncIterations, int syncSkip, int torchWarmup,
            int torchIterations) {
    }

    /**
     * One model of the benchmark; {@code m, k, n}: its largest matrix product, where its ceiling is measured;
     * {@code stepInput}: one example's shape in the single-process steps. The MLP's steps take flat 784-wide rows;
     * spark-ddp hands it IDX images as 1 x 28 x 28, which the engine covers too (a sync row says so if it fell back).
     */
    record Model(String key, String config, int m, int k, int n, Effort full, Effort quick, String stepInput) {
    }

    static final List<Model> MODELS = List.of(
            new Model("mlp", "conf/fashion-mnist-mlp.conf", 128, 784, 256,
                    new Effort(20, 200, 4, 4 * 469, 3 * 469 + 1, 20, 300),
                    new Effort(10, 60, 3, 3 * 469, 2 * 469 + 1, 10, 100),
                    "784"),
            // conv2 as im2col: 64 filters x (32 channels x 3 x 3) x (128 examples x 14 x 14 positions)
            new Model("cnn", "conf/fashion-mnist-cnn.conf", 64, 288, 128 * 14 * 14,
                    new Effort(3, 15, 1, 60, 20, 5, 40), new Effort(2, 5, 1, 40, 15, 3, 10), "1,28,28"));
    private static final int BATCH = 128;
    private static final long TORCH_TIMEOUT_S = 600;

    private final boolean quick;
    private final Path work;
    private final long started = System.nanoTime();

    private ComputeBenchmark(boolean quick, Path work) {
        this.quick = quick;
        this.work = work;
    }

    /** {@code deploy/bench compute [--quick] [--out FILE]}. */
    @Command(name = "bench compute")
    static final class Options {
        @Option(names = "--quick", description = "fewer steps and runs (about 4 minutes)")
        boolean quick;
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("bench compute", new Options(), args);
        boolean quick = options.quick;
        Path out = options.out;
        ComputeBenchmark bench = new ComputeBenchmark(quick, Files.createTempDirectory("spark-ddp-bench-compute"));
        String markdown = bench.run();
        bench.progress("done; logs in " + bench.work);
        System.out.println();
        System.out.println(markdown);
        if (out != null) {
            writeAtomically(out, markdown);
        }
    }

    /** Writes to a temporary name beside {@code out}, then renames, so a reader never sees half a report. */
    static void writeAtomically(Path out, String text) throws java.io.IOException {
        Path absolute = out.toAbsolutePath();
        Path tmp = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private String run() throws Exception {
        String loadBefore = loadAverage();
        Map<String, Double> ceilings = new LinkedHashMap<>();
        Map<String, String> shapes = new LinkedHashMap<>();
        Map<String, Long> flops = new LinkedHashMap<>();
        List<ComputeRow> rows = new ArrayList<>();
        ceilings(ceilings, shapes);
        for (Model model : MODELS) {
            flops.put(model.key(), ModelFlops.trainingFlops(spec(model.config())));
            rows.addAll(singleProcess(model));
        }
        for (Model model : MODELS) {
            rows.addAll(sync(model));
        }
        TorchPeer torch = new TorchPeer(work);
        Optional<String> absent = torch.absence();
        String torchLine = absent.orElse(null);
        if (absent.isEmpty()) {
            JsonNode info = torch.info();
            torchLine = String.format(Locale.ROOT, "PyTorch %s (BLAS: %s%s), Python %s, from Debian's python3-torch;"
                            + " OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and torch.set_num_threads pinned to the threads"
                            + " per process.", info.path("torch").asText(), info.path("blas").asText(),
                    info.path("openblas").asBoolean() ? "" : ", NOT OpenBLAS", info.path("python").asText());
        }
        for (Model model : MODELS) {
            rows.addAll(torch(torch, model, absent));
        }
        String header = String.format(Locale.ROOT, "## Compute per core: run of %s%s%n%n%s%n%n%s%n%nLoad average"
                        + " (1 min) before: %s, after: %s. Global batch 128 everywhere; single-process steps on random"
                        + " Fashion-MNIST-shaped batches (the MLP's as flat 784-wide rows), the rest on the full"
                        + " Fashion-MNIST (as IDX gives it: 1 x 28 x 28).%n%nThe spark-ddp rows run the shipped command"
                        + " itself, e.g. the MLP's: `%s train %s`. The single-process steps reuse one batch: their"
                        + " notes measure, beside them, what an executor's iteration adds to the step (the minibatch"
                        + " assembled from the cached shard, the divergence check).",
                LocalDate.now(), quick ? " (--quick)" : "", Machine.describe(), torchLine, loadBefore, loadAverage(),
                SparkDdpRun.SHIPPED_COMMAND, String.join(" ", shippedOverrides(MODELS.get(0), effort(MODELS.get(0)), 2,
                        "auto")));
        return new ComputeReport(header, ceilings, shapes, flops, rows).markdown();
    }

    private void ceilings(Map<String, Double> ceilings, Map<String, String> shapes) throws Exception {
        progress("sgemm ceiling ...");
        List<String> args = new ArrayList<>(List.of("--runs", quick ? "20" : "100"));
        for (Model model : MODELS) {
            args.addAll(List.of("" + model.m(), "" + model.k(), "" + model.n()));
        }
        String output = ChildJvm.run(SgemmCeiling.class.getName(), args, "1", work.resolve("sgemm.log"));
        List<JsonNode> results = resultLines(output);
        for (int i = 0; i < MODELS.size(); i++) {
            Model model = MODELS.get(i);
            ceilings.put(model.key(), results.get(i).get("gflops").asDouble());
            shapes.put(model.key(), model.m() + " x " + model.k() + " x " + model.n());
        }
    }

    private List<ComputeRow> singleProcess(Model model) throws Exception {
        progress(model.key() + ": single-process steps, DL4J and engine ...");
        Effort e = effort(model);
        List<String> args = new ArrayList<>(List.of("--warmup", "" + e.stepWarmup(), "--steps", "" + e.stepSteps(),
                "--input", model.stepInput(), "--config", model.config(), "--set", "training.batch-size=" + BATCH));
        JsonNode r = resultLines(ChildJvm.run(StepRate.class.getName(), args, "1",
                work.resolve("step-" + model.key() + ".log"))).get(0);
        boolean covers = r.get("engine_covers").asBoolean();
        return List.of(new ComputeRow(model.key(), ComputeReport.DL4J_STEP, 1,
                        r.get("dl4j_samples_per_second").asDouble(), ""),
                new ComputeRow(model.key(), ComputeReport.ENGINE_STEP, 1, r.get("engine_samples_per_second").asDouble(),
                        (covers ? "engine: " + r.get("engine_class").asText()
                                : "engine does not cover this network yet: DL4J's layers computed it (fallback)")
                                + "; input " + model.stepInput() + String.format(Locale.ROOT, "; step %.3f ms; left"
                                        + " out: assembling the batch from a cached shard %.3f ms, the divergence check"
                                        + " %.3f ms", r.get("engine_step_ms").asDouble(),
                                r.get("assembly_ms").asDouble(), r.get("check_ms").asDouble())));
    }

    /** One spark-ddp row: the shipped command with this many workers and this engine. */
    private record Shipped(String contender, int workers, String engine) {
    }

    /**
     * The spark-ddp rows: {@code deploy/spark-ddp train} itself (the launch script, its JVM flags, the model's config)
     * with 2 workers and {@code training.engine} auto and dl4j, and with 1 worker, auto. The overrides are only those
     * of {@link #shippedOverrides}; the rate is the steady one after the warm-up, inside one epoch ({@link Effort}).
     */
    private List<ComputeRow> sync(Model model) throws Exception {
        Effort e = effort(model);
        List<ComputeRow> rows = new ArrayList<>();
        for (Shipped s : List.of(new Shipped(ComputeReport.SYNC_AUTO, 2, "auto"),
                new Shipped(ComputeReport.SYNC_AUTO_1, 1, "auto"), new Shipped(ComputeReport.SYNC_DL4J, 2, "dl4j"))) {
            progress(model.key() + ": " + s.contender() + " ...");
            String name = "sync-" + model.key() + "-" + s.workers() + "-" + s.engine();
            SparkDdpRun run = SparkDdpRun.shipped(name, shippedOverrides(model, e, s.workers(), s.engine()),
                    work.resolve(name), work.resolve(name + ".log"));
            String note = String.format(Locale.ROOT, "iterations %d to the end of their epoch, of %d in %d epoch(s);"
                            + " per iteration (whole run, per worker): compute %.2f ms, sync %.2f ms", e.syncSkip(),
                    e.syncIterations(), e.syncEpochs(), run.result().computeMs(), run.result().syncMs());
            if (s.engine().equals("auto")) {
                note += run.engineFallback().map(l -> "; fell back to DL4J: " + l).orElse("");
            }
            rows.add(new ComputeRow(model.key(), s.contender(), s.workers(),
                    run.steadySamplesPerSecond(e.syncSkip(), BATCH), note));
        }
        return rows;
    }

    /**
     * What the spark-ddp rows set on top of the model's shipped config: the workers, the cores (local[2], the
     * default local[*] on 2 cores), the epochs and iterations of {@link Effort}, the engine. Nothing else differs
     * from {@code deploy/spark-ddp train --config CONFIG}.
     */
    static List<String> shippedOverrides(Model model, Effort e, int workers, String engine) {
        return List.of("--config", model.config(), "--set", "training.workers=" + workers, "--set",
                "spark.master=local[2]", "--set", "training.epochs=" + e.syncEpochs(), "--set",
                "training.max-iterations=" + e.syncIterations(), "--set", "training.engine=" + engine);
    }

    private List<ComputeRow> torch(TorchPeer torch, Model model, Optional<String> absent) {
        Effort e = effort(model);
        record Setting(String name, int processes, int threads) {
        }
        List<ComputeRow> rows = new ArrayList<>();
        for (Setting s : List.of(new Setting(ComputeReport.TORCH_1X1, 1, 1), new Setting(ComputeReport.TORCH_1X2, 1, 2),
                new Setting(ComputeReport.TORCH_DDP, 2, 1))) {
            int cores = s.processes() * s.threads();
            if (absent.isPresent()) {
                rows.add(new ComputeRow(model.key(), s.name(), cores, Double.NaN, absent.get()));
                continue;
            }
            progress(model.key() + ": " + s.name() + " ...");
            try {
                TorchPeer.Rate rate = torch.throughput(model.key(), s.processes(), s.threads(), e.torchWarmup(),
                        e.torchIterations(), TORCH_TIMEOUT_S);
                rows.add(new ComputeRow(model.key(), s.name(), cores, rate.samplesPerSecond(), String.format(
                        Locale.ROOT, "%d iterations after %d warm-up; allocator: %s (the faster of it and %s)",
                        e.torchIterations(), e.torchWarmup(), rate.allocator().label(),
                        other(rate.allocator()).label())));
            } catch (Exception failure) {
                // One failed peer does not cost the rest of the table; the row says what failed and where to look.
                rows.add(new ComputeRow(model.key(), s.name(), cores, Double.NaN, "failed: " + failure.getMessage()));
            }
        }
        return rows;
    }

    private static TorchPeer.Allocator other(TorchPeer.Allocator allocator) {
        return allocator == TorchPeer.Allocator.TUNED ? TorchPeer.Allocator.GLIBC_DEFAULTS : TorchPeer.Allocator.TUNED;
    }

    private Effort effort(Model model) {
        return quick ? model.quick() : model.full();
    }

    /** The network of {@code configFile} at batch 128, on 1 x 28 x 28 images and 10 classes. */
    static NetworkSpec spec(String configFile) throws java.io.IOException {
        SparkDdpConfig config = BenchArgs.load(new String[] {"--config", configFile, "--set",
                "training.batch-size=" + BATCH}).config();
        return NetworkSpec.of(config, new int[] {1, 28, 28}, 10);
    }

    /** The child's {@code RESULT {json}} lines, in order. */
    static List<JsonNode> resultLines(String output) {
        return output.lines().filter(l -> l.startsWith("RESULT ")).map(l -> Json.parse(l.substring(7))).toList();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private void progress(String what) {
        System.out.printf(Locale.ROOT, "bench compute: %5.0f s  %s%n", (System.nanoTime() - started) / 1e9, what);
    }
}
