package org.sparkddp.bench;

import static org.sparkddp.bench.ScalingPlan.M;
import static org.sparkddp.bench.ScalingPlan.name;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.ScalingPlan.Placement;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.driver.train.RendezvousServer;

/**
 * Runs one configuration of {@code deploy/bench scaling}: its ranks as child JVMs ({@link CollectiveRank}), each
 * bound to its emulated host's address, within a time bound, and reads the points they measured. Runs in the
 * benchmark's parent JVM.
 */
final class PlacementRun {
    private final ScalingOptions options;
    private final ScalingPlan plan;
    private final Path work;
    /** Rank processes running now, which the benchmark's shutdown hook ends. */
    private final Set<Process> live;
    private final Consumer<String> progress;
    /** The models' steps the ranks replay, one JSON line each. */
    private final Path schedules;

    PlacementRun(ScalingOptions options, ScalingPlan plan, Path work, Set<Process> live, Consumer<String> progress,
                 Path schedules) {
        this.options = options;
        this.plan = plan;
        this.work = work;
        this.live = live;
        this.progress = progress;
        this.schedules = schedules;
    }

    /**
     * Runs one configuration's ranks: their all-reduces into {@code into}, and where the plan says so their replays
     * into {@code replays}; returns the collective's class name as the ranks reported it.
     */
    String run(Algorithm algorithm, Placement p, List<MeasuredPoint> into, List<ReplayPoint> replays)
            throws Exception {
        boolean replay = plan.replays(p);
        long[] sizes = plan.sizes(p);
        long[] reps = java.util.Arrays.stream(sizes).map(plan::reps).toArray();
        progress.accept(String.format(Locale.ROOT, "%s, %d ranks on %d hosts (%d per host), %s floats ...", name(algorithm),
                p.ranks(), p.hosts(), p.perHost(), java.util.Arrays.toString(sizes)));
        String secret = UUID.randomUUID().toString();
        // Bound: the slowest expected point (100M floats at 4 ranks on a 1 Gbit/s link: ~5 s per all-reduce) times
        // its repetitions, with a wide margin for JVM starts on 2 cores.
        // Replays add a few minutes at most: bf16 doubles the sizes it measures, and each replay is a few steps.
        Duration bound = Duration.ofSeconds(180 + (replay ? 240 : 0)
                + (long) (java.util.Arrays.stream(sizes).sum() / M * 2 / options.gbit()));
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
                List<String> args = new ArrayList<>(List.of("--rendezvous", rendezvous.address(), "--secret", secret,
                        "--token", token, "--rank", String.valueOf(r), "--size", String.valueOf(p.ranks()), "--host",
                        host, "--kind", algorithm.name(), "--floats", join(sizes), "--reps", join(reps),
                        "--warmup", join(java.util.Arrays.stream(sizes).map(ScalingPlan::warmup).toArray()), "--compute-ms", String.valueOf(options.computeMs()),
                        "--timeout-s", String.valueOf(bound.toSeconds())));
                if (replay) {
                    args.addAll(List.of("--wires", "FP32,BF16", "--bf16-sizes", String.valueOf(plan.bf16Sizes(p)),
                            "--replay", schedules.toString(), "--replay-steps", String.valueOf(plan.replaySteps())));
                }
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
        for (WireFormat wire : replay ? List.of(WireFormat.FP32, WireFormat.BF16) : List.of(WireFormat.FP32)) {
            int measured = wire == WireFormat.FP32 ? sizes.length : plan.bf16Sizes(p);
            for (int s = 0; s < measured; s++) {
                double linkMs = 1e3 * AllReduceCost.features(algorithm, p.ranks(), p.hosts(), sizes[s], 1, wire)[2]
                        * 8 / (options.gbit() * 1e9);
                into.add(MeasuredPoint.fromLogs(algorithm, p, wire, sizes[s], (int) reps[s], logs, linkMs));
                MeasuredPoint m = into.get(into.size() - 1);
                progress.accept(String.format(Locale.ROOT, "  %,d floats, %s: %.2f ms per all-reduce, %.2f cores busy"
                        + " (ranks), %.2f (machine): %s", sizes[s], name(wire), m.medianMs(), m.cores(),
                        m.machineBusy(), m.boundBy()));
            }
        }
        if (replay) {
            for (ReplayPoint r : ReplayPoint.fromLogs(algorithm, p, logs)) {
                replays.add(r);
                progress.accept(String.format(Locale.ROOT, "  replay %s, %s, %s: %.1f ms per step", r.model(),
                        name(r.wire()), r.mode().name().toLowerCase(Locale.ROOT), r.medianMs()));
            }
        }
        return implementation;
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
}
