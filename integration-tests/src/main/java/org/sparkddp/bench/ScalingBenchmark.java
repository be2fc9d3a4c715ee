package org.sparkddp.bench;

import static org.sparkddp.bench.ScalingPlan.MAX_RANKS_AT_100M;
import static org.sparkddp.bench.ScalingPlan.crossHostBytes;
import static org.sparkddp.bench.ScalingPlan.name;
import static org.sparkddp.bench.ScalingPlan.warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.ScalingPlan.Placement;
import org.sparkddp.driver.output.Json;

/**
 * {@code deploy/bench scaling}: the all-reduce on an emulated multi-host network, and the α-β scaling model fitted
 * to it. Runs as root in the benchmark's parent JVM; each rank is a child JVM.
 *
 * <p>Steps: check the machine (root, tc); measure 127.0.0.1 alone; time each model's step layer by layer on the CPU
 * engine ({@link LayerTimesStep}); set up the emulated hosts' links on lo ({@link EmulatedNetwork}) and measure
 * 127.0.0.1 again; for each configuration (ranks, ranks per host) and algorithm, run the ranks
 * ({@link CollectiveRank}), time their all-reduces of 1M, 10M and 100M floats and, on the configurations the plan
 * names, replay the models' steps, overlapped and not, fp32 and bf16 ({@link ReplayRun}); remove the setup; fit
 * {@link AllReduceCost}; print everything as Markdown, with the predictions ({@link ScalingPredictions}).
 *
 * <p>Options: {@link ScalingOptions}. What is measured: {@link ScalingPlan}; one configuration's run:
 * {@link PlacementRun}; the Markdown: {@link ScalingReport}.
 */
public final class ScalingBenchmark {
    private final ScalingOptions options;
    private final Path work;
    private final long started = System.nanoTime();
    private final String startLoad = loadAverage();
    /** Rank processes running now: an interrupt (SIGINT, SIGTERM) ends them too, rather than leaving them waiting. */
    private final java.util.Set<Process> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ScalingBenchmark(ScalingOptions options, Path work) {
        this.options = options;
        this.work = work;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> live.forEach(Process::destroyForcibly),
                "spark-ddp-bench-ranks-cleanup"));
    }

    public static void main(String[] args) {
        ScalingOptions options;
        try {
            options = ScalingOptions.parse(args);
        } catch (BenchOptions.UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        String cannot = Preflight.problem();
        if (cannot != null) {
            System.err.println("bench scaling: " + cannot);
            System.exit(2);
        }
        try {
            ScalingBenchmark bench = new ScalingBenchmark(options, Files.createTempDirectory("spark-ddp-scaling"));
            String markdown = bench.run();
            System.out.println();
            System.out.println(markdown);
            if (options.out() != null) {
                Path tmp = options.out().resolveSibling(options.out().getFileName() + ".tmp");
                Files.writeString(tmp, markdown, StandardCharsets.UTF_8);
                Files.move(tmp, options.out(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (Exception e) {
            System.err.println("bench scaling: failed: " + e.getMessage() + " (rank logs are under the "
                    + "spark-ddp-scaling* directory in " + System.getProperty("java.io.tmpdir") + ")");
            System.exit(1);
        }
    }

    private String run() throws Exception {
        ScalingPlan plan = new ScalingPlan(options.quick());
        progress(Machine.describe());
        LoopbackProbe.Figures before = LoopbackProbe.measure();
        progress(String.format(Locale.ROOT, "127.0.0.1 before the setup: RTT %.1f us, %.1f Gbit/s",
                before.rttMicros(), before.gbitPerSecond()));
        List<Model> models = models();
        // The replays skip the 100M model: one all-reduce of its 392 MB takes 10 to 20 s on the emulated links, and
        // 16 ranks' buffers of it would not fit beside other work; it is predicted from its measured step.
        Path schedules = work.resolve("schedules.jsonl");
        Files.write(schedules, models.stream().filter(m -> m.schedule().parameters() < ScalingPlan.M)
                .map(m -> Json.line(m.schedule())).toList(), StandardCharsets.UTF_8);
        PlacementRun placements = new PlacementRun(options, plan, work, live, this::progress, schedules);
        List<MeasuredPoint> measured = new ArrayList<>();
        List<ReplayPoint> replays = new ArrayList<>();
        List<String> linkChecks = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        LoopbackProbe.Figures during;
        boolean latency;
        LinkSpec spec = new LinkSpec(options.gbit(), options.latencyUs(), LinkSpec.MAX_HOSTS);
        try (EmulatedNetwork network = EmulatedNetwork.install(spec, EmulatedNetwork.system())) {
            latency = network.hasLatency();
            if (!latency && options.latencyUs() > 0) {
                notes.add("This kernel has no netem (tc: \"Specified qdisc kind is unknown\"): the links are"
                        + " rate-limited only, with no added latency, so the fitted α is this machine's own per-hop"
                        + " cost (loopback, JVM, scheduling), not a LAN's.");
                progress("WARNING: no netem in this kernel: links rate-limited only, latency not emulated");
            }
            during = LoopbackProbe.measure();
            progress(String.format(Locale.ROOT, "127.0.0.1 with the setup in place: RTT %.1f us, %.1f Gbit/s",
                    during.rttMicros(), during.gbitPerSecond()));
            boolean hierarchicalMissing = false;
            for (Algorithm algorithm : options.algorithms()) {
                for (Placement p : plan.placements()) {
                    if (algorithm == Algorithm.HIERARCHICAL && (hierarchicalMissing || p.perHost() == 1
                            || p.hosts() == 1)) {
                        continue; // with one rank per host, or one host, hierarchical is the ring
                    }
                    Map<Integer, Long> sentBefore = network.sentBytes(LinkSpec.MAX_HOSTS);
                    List<MeasuredPoint> points = new ArrayList<>();
                    List<ReplayPoint> replayed = new ArrayList<>();
                    String implementation = placements.run(algorithm, p, points, replayed);
                    if (algorithm == Algorithm.HIERARCHICAL && implementation.contains("Ring")) {
                        hierarchicalMissing = true;
                        notes.add("Hierarchical was not measured: Collectives.connect in this build answers"
                                + " HIERARCHICAL with " + implementation + " (rerun after merging the collective branch).");
                        progress("hierarchical is not implemented in this build (" + implementation + "): skipped");
                        continue;
                    }
                    measured.addAll(points);
                    replays.addAll(replayed);
                    Map<Integer, Long> sentAfter = network.sentBytes(LinkSpec.MAX_HOSTS);
                    long shaped = 0;
                    for (var e : sentAfter.entrySet()) {
                        shaped += e.getValue() - sentBefore.getOrDefault(e.getKey(), 0L);
                    }
                    double expected = 0;
                    for (long n : plan.sizes(p)) {
                        expected += (plan.reps(n) + warmup(n)) * crossHostBytes(algorithm, p, n);
                    }
                    expected += plan.replayBytes(algorithm, p, models.stream().map(Model::schedule)
                            .filter(m -> m.parameters() < ScalingPlan.M).toList());
                    linkChecks.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %,.1f | %,.1f |",
                            name(algorithm), p.ranks(), p.hosts(), p.perHost(), shaped / 1e6, expected / 1e6));
                }
            }
        }
        progress("tc setup removed");
        if (options.quick()) {
            notes.add("--quick: 2 configurations, 1M and 10M floats (bf16: 1M), 3 repetitions each; 4 timed steps per"
                    + " replay.");
        } else {
            notes.add("100M floats is measured up to " + MAX_RANKS_AT_100M + " ranks only: at 8 and 16 ranks it needs"
                    + " 3.2 to 6.4 GB of buffers plus ring scratch on a 24 GiB machine shared with other work, and"
                    + " minutes per point on 2 cores; the model predicts those points instead.");
        }
        return new ScalingReport(options, startLoad).write(measured, linkChecks, notes, before, during, latency, models,
                replays);
    }

    /** A model the predictions are made for: its step measured layer by layer, where it came from, the load then. */
    record Model(LayerSchedule schedule, String source, String load) {
    }

    private List<Model> models() throws Exception {
        List<Model> models = new ArrayList<>();
        models.add(step("default MLP", "conf/fashion-mnist-mlp.conf", List.of(), options.quick() ? 3 : 9));
        models.add(step("CNN", "conf/fashion-mnist-cnn.conf", List.of(), options.quick() ? 3 : 5));
        // the slowest (about 30 s for a step of a second and DL4J's set-up of 98M parameters)
        models.add(step("100M-parameter MLP", "conf/fashion-mnist-mlp.conf",
                List.of("--set", "model.layers=" + Benchmark.dense(10000, 9000)), options.quick() ? 1 : 3));
        return models;
    }

    private Model step(String name, String config, List<String> extra, int steps) throws Exception {
        progress("the " + name + "'s step on the CPU engine, layer by layer, on one core ...");
        String load = loadAverage();
        List<String> args = new ArrayList<>(List.of("--model", name, "--steps", String.valueOf(steps), "--config",
                config));
        args.addAll(extra);
        String output = ChildJvm.run(LayerTimesStep.class.getName(), args, "1",
                work.resolve("step-" + name.replace(' ', '-') + ".log"));
        LayerSchedule schedule = LayerSchedule.fromJson(Json.parse(output.lines().filter(l -> l.startsWith("RESULT "))
                .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException(name
                        + ": LayerTimesStep printed no RESULT line")).substring("RESULT ".length())));
        Model model = new Model(schedule, config + (extra.isEmpty() ? "" : " with " + String.join(" ",
                extra.subList(1, extra.size()))), load);
        progress(String.format(Locale.ROOT, "  %,d parameters, %.1f ms per step (forward %.1f, update %.1f)",
                schedule.parameters(), schedule.computeMs(), schedule.forwardMs(), schedule.updateMs()));
        return model;
    }

    /** The 1-minute load average: other users' work on this shared machine shows up in every figure. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private void progress(String what) {
        System.out.printf(Locale.ROOT, "bench scaling: %5.0f s  %s%n", (System.nanoTime() - started) / 1e9, what);
    }
}
