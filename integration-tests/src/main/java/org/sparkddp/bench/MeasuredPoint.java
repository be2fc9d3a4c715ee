package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.ScalingPlan.Placement;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.driver.output.Json;

/**
 * One point {@code deploy/bench scaling} measured: an algorithm, a configuration and a size, its median time and what
 * set it; read from the ranks' logs. Runs in the benchmark's parent JVM.
 */
record MeasuredPoint(Algorithm algorithm, Placement placement, WireFormat wire, long floats, int reps, double medianMs,
                     double cores, double machineBusy, double linkMs) {
    static final int CORES = Runtime.getRuntime().availableProcessors();
    /** A point is CPU-bound when the ranks kept this share of the machine's cores busy during the all-reduces. */
    static final double CPU_BOUND_SHARE = 0.8;
    /** A point is link-bound when the busiest link's bytes at the nominal rate take this share of its time. */
    static final double LINK_BOUND_SHARE = 0.7;

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

    /** Per repetition the slowest rank's time, then the median over repetitions; cores from the ranks' CPU time. */
    static MeasuredPoint fromLogs(Algorithm algorithm, Placement p, WireFormat wire, long floats, int reps,
                                  List<Path> logs, double linkMs)
            throws IOException {
        List<JsonNode> times = new ArrayList<>();
        double cpuMs = 0;
        double collectiveMs = 0;
        double machineBusy = 0;
        for (Path log : logs) {
            var result = Files.readAllLines(log).stream().filter(l -> l.startsWith("RESULT "))
                    .map(l -> Json.parse(l.substring("RESULT ".length())))
                    .filter(j -> j.get("floats").asLong() == floats && j.path("wire").asText().equals(wire.name()))
                    .findFirst().orElseThrow(() -> new IllegalStateException(log + " has no RESULT line for " + floats
                            + " floats, " + wire.name()));
            times.add(result.get("times_ms"));
            cpuMs += result.get("cpu_ms").asDouble();
            if (result.get("rank").asInt() == 0) {
                machineBusy = result.get("machine_busy_cores").asDouble();
            }
            collectiveMs += result.get("collective_ms").asDouble();
        }
        double median = slowestMedian(times, reps);
        double cores = cpuMs / (collectiveMs / logs.size());
        return new MeasuredPoint(algorithm, p, wire, floats, reps, median, cores, machineBusy, linkMs);
    }

    /**
     * Per repetition the slowest rank's time (each rank's times a JSON array), then the median over the repetitions:
     * a collective step ends for all when it ends for the last.
     */
    static double slowestMedian(List<JsonNode> ranksTimes, int reps) {
        double[] slowest = new double[reps];
        for (JsonNode times : ranksTimes) {
            for (int i = 0; i < reps; i++) {
                slowest[i] = Math.max(slowest[i], times.get(i).asDouble());
            }
        }
        java.util.Arrays.sort(slowest);
        return reps % 2 == 1 ? slowest[reps / 2] : (slowest[reps / 2 - 1] + slowest[reps / 2]) / 2;
    }
}
