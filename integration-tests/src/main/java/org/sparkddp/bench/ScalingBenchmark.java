package org.sparkddp.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.AllReduceCost.Fit;
import org.sparkddp.bench.AllReduceCost.Point;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.RendezvousServer;

/**
 * {@code deploy/bench scaling}: the all-reduce on an emulated multi-host network, and the α-β scaling model fitted
 * to it. Runs as root in the benchmark's parent JVM; each rank is a child JVM.
 *
 * <p>Steps: check the machine (root, tc); measure 127.0.0.1 alone; set up the emulated hosts' links on lo
 * ({@link EmulatedNetwork}) and measure 127.0.0.1 again; for each configuration (ranks, ranks per host) and
 * algorithm, run the ranks ({@link CollectiveRank}) and time their all-reduces of 1M, 10M and 100M floats; remove
 * the setup; time one DL4J step of each model ({@link ComputeStep}); fit {@link AllReduceCost}; print everything as
 * Markdown.
 *
 * <p>Options: {@code --quick} (a 2-minute subset), {@code --link-gbit G} (0.5: see {@link #parse}), {@code --latency-us L} (50),
 * {@code --compute-ms C} (20: the calibrated wait between all-reduces), {@code --algorithms ring,hierarchical},
 * {@code --out FILE}.
 */
public final class ScalingBenchmark {
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** A point is CPU-bound when the ranks kept this share of the machine's cores busy during the all-reduces. */
    private static final double CPU_BOUND_SHARE = 0.8;
    /** A point is link-bound when the busiest link's bytes at the nominal rate take this share of its time. */
    private static final double LINK_BOUND_SHARE = 0.7;
    private static final long M = 1_000_000;
    /** 100M floats is 400 MB per rank (800 MB with the ring's buffers): more than 4 ranks would not fit beside others' work. */
    private static final int MAX_RANKS_AT_100M = 4;

    record Options(boolean quick, double gbit, int latencyUs, long computeMs, List<Algorithm> algorithms, Path out) {
        Options {
            if (computeMs < 0 || computeMs > 10_000) {
                throw new IllegalArgumentException("--compute-ms must be in [0, 10000] but got " + computeMs);
            }
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("--algorithms must name ring and/or hierarchical");
            }
            new LinkSpec(gbit, latencyUs, 1); // validates the link
        }
    }

    /** W ranks, m per host on H = W/m hosts; rank r runs on host r mod H (Spark-like interleaving). */
    record Placement(int ranks, int perHost) {
        int hosts() {
            return ranks / perHost;
        }

        int hostOf(int rank) {
            return rank % hosts();
        }
    }

    /** One measured point. */
    record Measured(Algorithm algorithm, Placement placement, long floats, int reps, double medianMs, double cores,
                    double machineBusy, double linkMs) {
        /**
         * What set the time: the ranks' own CPU; else the link, when the busiest link's bytes at the nominal rate
         * account for most of it; else the machine's CPU, when other work kept it busy; else per-hop overheads.
         */
        String boundBy() {
            if (placement.hosts() == 1) {
                return "CPU (one host: no link)";
            }
            if (cores >= CPU_BOUND_SHARE * CORES) {
                return "CPU (ranks)";
            }
            if (linkMs >= LINK_BOUND_SHARE * medianMs) {
                return "link";
            }
            if (machineBusy >= CPU_BOUND_SHARE * CORES) {
                return "CPU (machine busy)";
            }
            return "per-hop overheads";
        }
    }

    private final Options options;
    private final Path work;
    private final long started = System.nanoTime();
    private final String startLoad = loadAverage();
    /** Rank processes running now: an interrupt (SIGINT, SIGTERM) ends them too, rather than leaving them waiting. */
    private final java.util.Set<Process> live = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private ScalingBenchmark(Options options, Path work) {
        this.options = options;
        this.work = work;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> live.forEach(Process::destroyForcibly),
                "spark-ddp-bench-ranks-cleanup"));
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (RuntimeException e) {
            System.err.println("bench scaling: " + e.getMessage());
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

    /**
     * NOTE on the default link rate: loopback on this 2-core machine moves about 10 Gbit/s in all, summing
     * included, so links of 10 Gbit/s on 8 hosts would leave the CPU, not the links, setting every time; at
     * 0.5 Gbit/s the links are the slower part, and the fitted β is scaled to 10 Gbit/s for the predictions.
     */
    static Options parse(String[] args) {
        boolean quick = false;
        double gbit = 0.5;
        int latency = 50;
        long compute = 20;
        List<Algorithm> algorithms = List.of(Algorithm.RING, Algorithm.HIERARCHICAL);
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--link-gbit" -> { gbit = Double.parseDouble(need(args[i], value)); i++; }
                case "--latency-us" -> { latency = Integer.parseInt(need(args[i], value)); i++; }
                case "--compute-ms" -> { compute = Long.parseLong(need(args[i], value)); i++; }
                case "--algorithms" -> {
                    algorithms = java.util.Arrays.stream(need(args[i], value).split(","))
                            .map(a -> Algorithm.valueOf(a.trim().toUpperCase(Locale.ROOT))).toList();
                    i++;
                }
                case "--out" -> { out = Path.of(need(args[i], value)); i++; }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (expected --quick,"
                        + " --link-gbit G, --latency-us L, --compute-ms C, --algorithms ring,hierarchical, --out FILE)");
            }
        }
        return new Options(quick, gbit, latency, compute, algorithms, out);
    }

    private static String need(String flag, String value) {
        if (value == null) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return value;
    }

    /** The configurations, each with the sizes it measures and their repetitions. */
    List<Placement> placements() {
        if (options.quick()) {
            return List.of(new Placement(4, 1), new Placement(8, 1), new Placement(16, 2));
        }
        List<Placement> all = new ArrayList<>();
        for (int perHost : new int[] {1, 2, 4}) {
            for (int ranks : new int[] {2, 4, 8, 16}) {
                if (ranks >= perHost) {
                    all.add(new Placement(ranks, perHost));
                }
            }
        }
        return all;
    }

    long[] sizes(Placement p) {
        if (options.quick()) {
            return new long[] {M, 10 * M};
        }
        return p.ranks() <= MAX_RANKS_AT_100M ? new long[] {M, 10 * M, 100 * M} : new long[] {M, 10 * M};
    }

    long reps(long floats) {
        if (options.quick()) {
            return 3;
        }
        // NOTE: few repetitions keep the whole run near 15 minutes on a loaded 2-core machine, where starting 16
        // JVMs alone takes tens of seconds per configuration; the median of the slowest rank's times is still stable
        // to about 10% between runs.
        return floats >= 100 * M ? 2 : floats >= 10 * M ? 3 : 6;
    }

    private String run() throws Exception {
        progress(Machine.describe());
        LoopbackProbe.Figures before = LoopbackProbe.measure();
        progress(String.format(Locale.ROOT, "127.0.0.1 before the setup: RTT %.1f us, %.1f Gbit/s",
                before.rttMicros(), before.gbitPerSecond()));
        List<Measured> measured = new ArrayList<>();
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
                for (Placement p : placements()) {
                    if (algorithm == Algorithm.HIERARCHICAL && (hierarchicalMissing || p.perHost() == 1
                            || p.hosts() == 1)) {
                        continue; // with one rank per host, or one host, hierarchical is the ring
                    }
                    Map<Integer, Long> sentBefore = network.sentBytes(LinkSpec.MAX_HOSTS);
                    List<Measured> points = new ArrayList<>();
                    String implementation = runPlacement(algorithm, p, points);
                    if (algorithm == Algorithm.HIERARCHICAL && implementation.contains("Ring")) {
                        hierarchicalMissing = true;
                        notes.add("Hierarchical was not measured: Collectives.connect in this build answers"
                                + " HIERARCHICAL with " + implementation + " (rerun after merging the collective branch).");
                        progress("hierarchical is not implemented in this build (" + implementation + "): skipped");
                        continue;
                    }
                    measured.addAll(points);
                    Map<Integer, Long> sentAfter = network.sentBytes(LinkSpec.MAX_HOSTS);
                    long shaped = 0;
                    for (var e : sentAfter.entrySet()) {
                        shaped += e.getValue() - sentBefore.getOrDefault(e.getKey(), 0L);
                    }
                    long expected = 0;
                    for (long n : sizes(p)) {
                        expected += (reps(n) + warmup(n)) * crossHostBytes(algorithm, p, n);
                    }
                    linkChecks.add(String.format(Locale.ROOT, "| %s | %d | %d | %d | %,.1f | %,.1f |",
                            name(algorithm), p.ranks(), p.hosts(), p.perHost(), shaped / 1e6, expected / 1e6));
                }
            }
        }
        progress("tc setup removed");
        if (options.quick()) {
            notes.add("--quick: 3 configurations, 1M and 10M floats, 3 repetitions each.");
        } else {
            notes.add("100M floats is measured up to " + MAX_RANKS_AT_100M + " ranks only: at 8 and 16 ranks it needs"
                    + " 3.2 to 6.4 GB of buffers plus ring scratch on a 24 GiB machine shared with other work, and"
                    + " minutes per point on 2 cores; the model predicts those points instead.");
        }
        List<Model> models = models();
        return report(measured, linkChecks, notes, before, during, latency, models);
    }

    /** Untimed all-reduces before the timed ones: JIT, TCP windows; one is enough at 100M (seconds each). */
    private static int warmup(long floats) {
        return floats >= 100 * M ? 1 : 2;
    }

    /** Bytes the algorithm sends across hosts in one all-reduce, summed over the hosts' links (payload only). */
    static double crossHostBytes(Algorithm algorithm, Placement p, long floats) {
        double s = 4.0 * floats;
        if (p.hosts() == 1) {
            return 0;
        }
        if (algorithm == Algorithm.RING || p.perHost() == 1) {
            return 2.0 * (p.ranks() - 1) * s;
        }
        return 2.0 * (p.hosts() - 1) * s;
    }

    /** Runs one configuration's ranks; returns the collective's class name as the ranks reported it. */
    private String runPlacement(Algorithm algorithm, Placement p, List<Measured> into) throws Exception {
        long[] sizes = sizes(p);
        long[] reps = java.util.Arrays.stream(sizes).map(this::reps).toArray();
        progress(String.format(Locale.ROOT, "%s, %d ranks on %d hosts (%d per host), %s floats ...", name(algorithm),
                p.ranks(), p.hosts(), p.perHost(), java.util.Arrays.toString(sizes)));
        String secret = UUID.randomUUID().toString();
        // Bound: the slowest expected point (100M floats at 4 ranks on a 1 Gbit/s link: ~5 s per all-reduce) times
        // its repetitions, with a wide margin for JVM starts on 2 cores.
        Duration bound = Duration.ofSeconds(180 + (long) (java.util.Arrays.stream(sizes).sum() / M * 2 / options.gbit()));
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try (RendezvousServer rendezvous = RendezvousServer.start("127.0.0.1", secret, bound)) {
            String token = "scaling-" + UUID.randomUUID();
            for (int r = 0; r < p.ranks(); r++) {
                String host = LinkSpec.address(p.hostOf(r));
                Path log = work.resolve(String.format(Locale.ROOT, "%s-%d-%d-rank%d.log", name(algorithm), p.ranks(),
                        p.perHost(), r));
                logs.add(log);
                List<String> flags = List.of("-Xmx256m", "-XX:MaxDirectMemorySize=2g", "-XX:+UseSerialGC",
                        "-Djava.nio.channels.spi.SelectorProvider=" + BoundSelectorProvider.class.getName(),
                        "-D" + BoundSelectorProvider.BIND_PROPERTY + "=" + host);
                List<String> args = List.of("--rendezvous", rendezvous.address(), "--secret", secret, "--token", token,
                        "--rank", String.valueOf(r), "--size", String.valueOf(p.ranks()), "--host", host,
                        "--kind", algorithm.name(), "--floats", join(sizes), "--reps", join(reps),
                        "--warmup", join(java.util.Arrays.stream(sizes).map(ScalingBenchmark::warmup).toArray()), "--compute-ms", String.valueOf(options.computeMs()),
                        "--timeout-s", String.valueOf(bound.toSeconds()));
                Process process = ChildJvm.builder(CollectiveRank.class.getName(), flags, args, log).start();
                live.add(process);
                processes.add(process);
            }
            long deadline = System.nanoTime() + bound.toNanos();
            for (int r = 0; r < processes.size(); r++) {
                Process process = processes.get(r);
                long left = Math.max(1, deadline - System.nanoTime());
                if (!process.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
                    throw new IllegalStateException(name(algorithm) + " at " + p.ranks() + " ranks: rank " + r
                            + " did not finish within " + bound.toSeconds() + " s; see " + logs.get(r));
                }
                if (process.exitValue() != 0) {
                    throw new IllegalStateException(name(algorithm) + " at " + p.ranks() + " ranks: rank " + r
                            + " exited with " + process.exitValue() + ": " + lastLine(logs.get(r)) + " (see "
                            + logs.get(r) + ")");
                }
            }
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
                live.remove(process);
            }
        }
        String implementation = Files.readAllLines(logs.get(0)).stream().filter(l -> l.startsWith("IMPLEMENTATION "))
                .map(l -> l.substring("IMPLEMENTATION ".length())).findFirst().orElse("unknown");
        for (int s = 0; s < sizes.length; s++) {
            double linkMs = 1e3 * AllReduceCost.features(algorithm, p.ranks(), p.hosts(), sizes[s], 1)[2]
                    * 8 / (options.gbit() * 1e9);
            into.add(collect(algorithm, p, sizes[s], (int) reps[s], logs, linkMs));
            Measured m = into.get(into.size() - 1);
            progress(String.format(Locale.ROOT, "  %,d floats: %.2f ms per all-reduce, %.2f cores busy (ranks), %.2f"
                    + " (machine): %s", sizes[s], m.medianMs(), m.cores(), m.machineBusy(), m.boundBy()));
        }
        return implementation;
    }

    /** Per repetition the slowest rank's time, then the median over repetitions; cores from the ranks' CPU time. */
    private static Measured collect(Algorithm algorithm, Placement p, long floats, int reps, List<Path> logs,
                                    double linkMs)
            throws IOException {
        double[] slowest = new double[reps];
        double cpuMs = 0;
        double collectiveMs = 0;
        double machineBusy = 0;
        for (Path log : logs) {
            var result = Files.readAllLines(log).stream().filter(l -> l.startsWith("RESULT "))
                    .map(l -> Json.parse(l.substring("RESULT ".length())))
                    .filter(j -> j.get("floats").asLong() == floats).findFirst()
                    .orElseThrow(() -> new IllegalStateException(log + " has no RESULT line for " + floats + " floats"));
            var times = result.get("times_ms");
            for (int i = 0; i < reps; i++) {
                slowest[i] = Math.max(slowest[i], times.get(i).asDouble());
            }
            cpuMs += result.get("cpu_ms").asDouble();
            if (result.get("rank").asInt() == 0) {
                machineBusy = result.get("machine_busy_cores").asDouble();
            }
            collectiveMs += result.get("collective_ms").asDouble();
        }
        java.util.Arrays.sort(slowest);
        double median = reps % 2 == 1 ? slowest[reps / 2] : (slowest[reps / 2 - 1] + slowest[reps / 2]) / 2;
        double cores = cpuMs / (collectiveMs / logs.size());
        return new Measured(algorithm, p, floats, reps, median, cores, machineBusy, linkMs);
    }

    /** A model the predictions are made for: its parameters and measured compute per step. */
    record Model(String name, String source, long parameters, double stepMs, String load) {
    }

    private List<Model> models() throws Exception {
        List<Model> models = new ArrayList<>();
        models.add(step("default MLP", "conf/fashion-mnist-mlp.conf", List.of()));
        models.add(step("CNN", "conf/fashion-mnist-cnn.conf", List.of()));
        if (options.quick()) {
            // --quick skips the slowest step (about 30 s): the MLP's time per parameter, scaled, stands in.
            Model mlp = models.get(0);
            long parameters = 97_949_010L; // 784-10000-9000-10, as the full run measures it
            models.add(new Model("100M-parameter MLP", "the default MLP's ms per parameter, scaled (--quick)",
                    parameters, mlp.stepMs() * parameters / mlp.parameters(), mlp.load()));
        } else {
            models.add(step("100M-parameter MLP", "conf/fashion-mnist-mlp.conf",
                    List.of("--set", "model.layers=" + Benchmark.dense(10000, 9000))));
        }
        return models;
    }

    private Model step(String name, String config, List<String> extra) throws Exception {
        progress("one DL4J step of the " + name + " on one core ...");
        String load = loadAverage();
        List<String> args = new ArrayList<>(List.of("--steps", options.quick() ? "1" : "3", "--config", config));
        args.addAll(extra);
        String output = ChildJvm.run(ComputeStep.class.getName(), args, "1",
                work.resolve("step-" + name.replace(' ', '-') + ".log"));
        var r = Json.parse(output.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException(name + ": ComputeStep printed no RESULT line"))
                .substring("RESULT ".length()));
        Model model = new Model(name, config + (extra.isEmpty() ? "" : " with " + String.join(" ", extra.subList(1,
                extra.size()))), r.get("parameters").asLong(), r.get("step_ms").asDouble(), load);
        progress(String.format(Locale.ROOT, "  %,d parameters, %.1f ms per step", model.parameters(), model.stepMs()));
        return model;
    }

    private String report(List<Measured> measured, List<String> linkChecks, List<String> notes,
                          LoopbackProbe.Figures before, LoopbackProbe.Figures during, boolean latency,
                          List<Model> models) {
        StringBuilder md = new StringBuilder();
        md.append("## Scaling run of ").append(LocalDate.now()).append(options.quick() ? " (--quick)" : "")
                .append("\n\n").append(Machine.describe()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Emulated hosts 127.0.0.2 and up on lo, each with a %s Gbit/s link%s"
                + " (tc htb per source address%s); ranks in their own JVMs, rank r on host r mod H (Spark-like"
                + " interleaving); a %d ms sleep between all-reduces stands in for compute. Times are the median over"
                + " repetitions of the slowest rank's all-reduce, after 2 warm-up all-reduces (1 at 100M). \"cores busy\" is the"
                + " ranks' CPU time over the all-reduce time; CPU-bound marks points that kept >= %.0f%% of the %d"
                + " cores busy (the CPU rather than the link set the time); link marks points where the busiest link's bytes"
                + " at the nominal rate take >= %.0f%% of the time; \"machine\" counts every process on the machine"
                + " (from /proc/stat, sleeps included), so it also shows other users' load.%n%n", fmt(options.gbit()),
                latency ? ", " + options.latencyUs() + " us one way" : ", no added latency",
                latency ? ", netem for latency" : "", options.computeMs(), CPU_BOUND_SHARE * 100, CORES,
                LINK_BOUND_SHARE * 100));
        for (String note : notes) {
            md.append("- ").append(note).append('\n');
        }
        md.append("- Load average (1 minute) at the start: " + startLoad + ", at the end: " + loadAverage()
                + " (a shared machine: other users' work slows every figure).\n");
        md.append(String.format(Locale.ROOT, "- 127.0.0.1, never shaped: RTT %.1f us and %.1f Gbit/s before the"
                + " setup, %.1f us and %.1f Gbit/s with it in place (idle).%n%n", before.rttMicros(),
                before.gbitPerSecond(), during.rttMicros(), during.gbitPerSecond()));

        Fit fit = measured.size() >= 2 ? AllReduceCost.fit(toPoints(measured), CORES) : null;
        md.append("### All-reduce time\n\n| algorithm | ranks | hosts | ranks per host | floats | reps | ms per"
                + " all-reduce | busiest link at nominal rate, ms | cores busy (ranks) | cores busy (machine) | bound by | model ms | model error |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (Measured m : measured) {
            double model = fit == null ? Double.NaN : 1e3 * fit.predict(m.algorithm(), m.placement().ranks(),
                    m.placement().hosts(), m.floats(), AllReduceCost.cpuShare(m.placement().ranks(), CORES));
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %,dM | %d | %.1f | %.1f | %.2f | %.2f | %s | %.1f | %+.0f%% |%n",
                    name(m.algorithm()), m.placement().ranks(), m.placement().hosts(), m.placement().perHost(),
                    m.floats() / M, m.reps(), m.medianMs(), m.linkMs(), m.cores(), m.machineBusy(), m.boundBy(), model, 100 * (model - m.medianMs()) / m.medianMs()));
        }
        md.append(headToHead(measured));
        md.append("\n### Bytes the links saw\n\nPer configuration, all sizes, warm-up included: what tc's classes"
                + " counted (payload plus TCP/IP headers and ACKs) against the payload the algorithm sends across"
                + " hosts.\n\n| algorithm | ranks | hosts | ranks per host | tc MB | payload MB |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        linkChecks.forEach(l -> md.append(l).append('\n'));
        if (fit != null) {
            md.append(fitSection(fit, measured));
            md.append(predictions(fit, models));
        }
        md.append("\nCommand: `deploy/bench scaling").append(options.quick() ? " --quick" : "")
                .append(options.gbit() != 0.5 ? " --link-gbit " + fmt(options.gbit()) : "")
                .append(options.latencyUs() != 50 ? " --latency-us " + options.latencyUs() : "")
                .append("` (as root).\n");
        return md.toString();
    }

    /** The check: hierarchical against the ring at 8 hosts x 2 ranks, 10M floats. */
    private static String headToHead(List<Measured> measured) {
        Measured ring = find(measured, Algorithm.RING, 16, 2, 10 * M);
        Measured hierarchical = find(measured, Algorithm.HIERARCHICAL, 16, 2, 10 * M);
        if (ring == null) {
            return "";
        }
        if (hierarchical == null) {
            return String.format(Locale.ROOT, "%n8 hosts x 2 ranks, 10M floats: ring %.1f ms; hierarchical not"
                    + " measured in this run.%n", ring.medianMs());
        }
        return String.format(Locale.ROOT, "%n8 hosts x 2 ranks, 10M floats: ring %.1f ms, hierarchical %.1f ms:"
                + " hierarchical takes %.2fx the ring's time (%s).%n", ring.medianMs(), hierarchical.medianMs(),
                hierarchical.medianMs() / ring.medianMs(), hierarchical.medianMs() < ring.medianMs()
                        ? String.format(Locale.ROOT, "%.0f%% faster", 100 * (1 - hierarchical.medianMs() / ring.medianMs()))
                        : "not faster");
    }

    private static Measured find(List<Measured> all, Algorithm a, int ranks, int perHost, long floats) {
        return all.stream().filter(m -> m.algorithm() == a && m.placement().ranks() == ranks
                && m.placement().perHost() == perHost && m.floats() == floats).findFirst().orElse(null);
    }

    private String fitSection(Fit fit, List<Measured> measured) {
        double worst = 0;
        double sumSq = 0;
        for (Measured m : measured) {
            double model = 1e3 * fit.predict(m.algorithm(), m.placement().ranks(), m.placement().hosts(), m.floats(),
                    AllReduceCost.cpuShare(m.placement().ranks(), CORES));
            double err = (model - m.medianMs()) / m.medianMs();
            worst = Math.max(worst, Math.abs(err));
            sumSq += err * err;
        }
        return String.format(Locale.ROOT, "%n### α-β model fitted to the %d points%n%n"
                + "`T = α·hops_link + α_local·hops_local + β·bytes_link + γ·bytes_cpu` (least squares on relative"
                + " error; the terms per algorithm are in AllReduceCost's Javadoc: the ring's busiest link carries the"
                + " flows of all ranks on its host, the hierarchical one's a single flow; bytes_cpu counts the ranks"
                + " sharing each of the %d cores).%n%n"
                + "| constant | fitted | meaning |%n|---|---:|---|%n"
                + "| α | %.1f us | per hop across hosts |%n"
                + "| α_local | %.1f us | per hop inside a host |%n"
                + "| β | %.3f ns/byte (%.2f Gbit/s) | per byte on the busiest link; nominal %.3f ns/byte (%s Gbit/s) |%n"
                + "| γ | %.3f ns/byte (%.2f GB/s) | per byte a rank copies and adds, per core-share |%n%n"
                + "Error of the model on the measured points: RMS %.0f%%, worst %.0f%%.%n",
                measured.size(), CORES, fit.alphaLink() * 1e6, fit.alphaLocal() * 1e6, fit.beta() * 1e9,
                fit.beta() > 0 ? 8 / fit.beta() / 1e9 : Double.NaN, 8 / options.gbit(), fmt(options.gbit()),
                fit.gamma() * 1e9, fit.gamma() > 0 ? 1 / fit.gamma() / 1e9 : Double.NaN,
                100 * Math.sqrt(sumSq / measured.size()), 100 * worst);
    }

    /**
     * Scaling efficiency on a cluster: compute / (compute + all-reduce), weak scaling (the per-worker batch stays),
     * sync mode (no overlap), with β scaled to 10 Gbit/s links and γ at one core per rank; once with the α fitted
     * here and once with α set to the link latency asked for (a LAN's), since without netem the fitted α is this
     * machine's own per-hop cost.
     */
    private String predictions(Fit fit, List<Model> models) {
        double target = 10;
        Fit scaled = fit.withLinkScaled(options.gbit() / target);
        double lan = options.latencyUs() * 1e-6;
        // NOTE: a hop inside a host is no slower than one across a LAN, so the LAN variant bounds both by it; the
        // fitted α_local is this loaded machine's scheduling delay for 16 JVMs on 2 cores.
        Fit lanFit = new Fit(lan, lan, scaled.beta(), scaled.gamma());
        int perHost = 16;
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n### Predicted scaling efficiency%n%n"
                + "%s Gbit/s links, 16 one-core executors per host (the deploy recipes' layout), rank r on host r mod"
                + " H; per-worker batch 128 (weak scaling); efficiency = compute / (compute + all-reduce), as sync mode"
                + " does not overlap them; in brackets the predicted all-reduce. β is the fitted one scaled from %s to"
                + " %s Gbit/s, γ as fitted at one core per rank. Each cell: with the fitted α and α_local (%.0f and %.0f us"
                + " per hop) / with both at %d us per hop (a LAN's latency).%n%n"
                + "| model | parameters | compute ms/step | algorithm | E = 32 | E = 64 | E = 128 |%n"
                + "|---|---:|---:|---|---:|---:|---:|%n", fmt(target), fmt(options.gbit()), fmt(target),
                fit.alphaLink() * 1e6, fit.alphaLocal() * 1e6, options.latencyUs()));
        for (Model model : models) {
            for (Algorithm a : List.of(Algorithm.RING, Algorithm.HIERARCHICAL)) {
                md.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %s |", model.name(), model.parameters(),
                        model.stepMs(), name(a)));
                for (int executors : new int[] {32, 64, 128}) {
                    double fitted = scaled.predict(a, executors, executors / perHost, model.parameters(), 1) * 1e3;
                    double onLan = lanFit.predict(a, executors, executors / perHost, model.parameters(), 1) * 1e3;
                    md.append(String.format(Locale.ROOT, " %.0f%% (%.0f ms) / %.0f%% (%.0f ms) |",
                            100 * model.stepMs() / (model.stepMs() + fitted), fitted,
                            100 * model.stepMs() / (model.stepMs() + onLan), onLan));
                }
                md.append('\n');
            }
        }
        md.append("\nCompute per step (one DL4J step: forward, backward, Adam, batch 128, one core, random"
                + " Fashion-MNIST-shaped batches, median of the timed steps after a warm-up), measured in this run:\n");
        for (Model model : models) {
            md.append(String.format(Locale.ROOT, "- %s: %s (load average before the step: %s).%n", model.name(),
                    model.source(), model.load()));
        }
        md.append("\nFor comparison: Horovod's published 90% scaling efficiency at 512 GPUs (ResNet-101, 25 Gbit/s"
                + " RoCE; Sergeev and Del Balso, 2018).\n");
        return md.toString();
    }

    private static List<Point> toPoints(List<Measured> measured) {
        return measured.stream().map(m -> new Point(m.algorithm(), m.placement().ranks(), m.placement().hosts(),
                m.floats(), m.medianMs() / 1e3)).toList();
    }

    /** The 1-minute load average: other users' work on this shared machine shows up in every figure. */
    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String name(Algorithm a) {
        return a.name().toLowerCase(Locale.ROOT);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static String join(long[] values) {
        return String.join(",", java.util.Arrays.stream(values).mapToObj(String::valueOf).toList());
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private void progress(String what) {
        System.out.printf(Locale.ROOT, "bench scaling: %5.0f s  %s%n", (System.nanoTime() - started) / 1e9, what);
    }
}
