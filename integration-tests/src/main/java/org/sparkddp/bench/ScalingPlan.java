package org.sparkddp.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sparkddp.bench.AllReduceCost.Algorithm;

/**
 * What {@code deploy/bench scaling} measures: the configurations (ranks, ranks per host), the sizes each one
 * all-reduces, their repetitions and warm-ups, and the payload each sends across hosts. Runs in the benchmark's
 * parent JVM.
 */
final class ScalingPlan {
    static final long M = 1_000_000;
    /** 100M floats is 400 MB per rank (800 MB with the ring's buffers): more than 4 ranks would not fit beside others' work. */
    static final int MAX_RANKS_AT_100M = 4;

    /** W ranks, m per host on H = W/m hosts; rank r runs on host r mod H (Spark-like interleaving). */
    record Placement(int ranks, int perHost) {
        int hosts() {
            return ranks / perHost;
        }

        int hostOf(int rank) {
            return rank % hosts();
        }
    }

    private final boolean quick;

    ScalingPlan(boolean quick) {
        this.quick = quick;
    }

    /** The configurations, each with the sizes it measures and their repetitions. */
    List<Placement> placements() {
        if (quick) {
            // 4 x 1 and 16 x 2 (ring and hierarchical) separate the model's constants; 8 x 1 would add a minute
            return List.of(new Placement(4, 1), new Placement(16, 2));
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
        if (quick) {
            return new long[] {M, 10 * M};
        }
        return p.ranks() <= MAX_RANKS_AT_100M ? new long[] {M, 10 * M, 100 * M} : new long[] {M, 10 * M};
    }

    long reps(long floats) {
        if (quick) {
            return 3;
        }
        // NOTE: few repetitions keep the whole run near 15 minutes on a loaded 2-core machine, where starting 16
        // JVMs alone takes tens of seconds per configuration; the median of the slowest rank's times is still stable
        // to about 10% between runs.
        return floats >= 100 * M ? 2 : floats >= 10 * M ? 3 : 6;
    }

    /**
     * Whether this configuration also replays the models' steps ({@link ReplayRun}), fp32 and bf16: the ones with
     * most hosts and several ranks per host, where ring and hierarchical differ.
     */
    boolean replays(Placement p) {
        return p.ranks() == 16 && (p.perHost() == 2 || !quick && p.perHost() == 4);
    }

    /** How many of the sizes, from the first, are measured with bf16 too (where the replays run). */
    int bf16Sizes(Placement p) {
        return replays(p) ? (quick ? 1 : 2) : 0;
    }

    /** Timed steps per replay (after 2 untimed ones). */
    int replaySteps() {
        return quick ? 4 : 8;
    }

    /**
     * Payload bytes across hosts of what a configuration runs besides its fp32 sizes, where it replays: bf16's warm-up
     * (20 x 256K floats) and sizes, and each model's sequential and overlapped steps (2 untimed and the timed ones; a
     * step's buckets add up to its gradient), fp32 and bf16; bf16 sends half the bytes.
     */
    double replayBytes(Algorithm algorithm, Placement p, List<LayerSchedule> replayed) {
        if (!replays(p)) {
            return 0;
        }
        double bytes = 0.5 * 20 * crossHostBytes(algorithm, p, 1 << 18);
        long[] sizes = sizes(p);
        for (int s = 0; s < bf16Sizes(p); s++) {
            bytes += 0.5 * (reps(sizes[s]) + warmup(sizes[s])) * crossHostBytes(algorithm, p, sizes[s]);
        }
        for (LayerSchedule m : replayed) {
            bytes += (1 + 0.5) * 2 * (2 + replaySteps()) * crossHostBytes(algorithm, p, m.parameters());
        }
        return bytes;
    }

    /** Untimed all-reduces before the timed ones: JIT, TCP windows; one is enough at 100M (seconds each). */
    static int warmup(long floats) {
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

    static String name(Algorithm a) {
        return a.name().toLowerCase(Locale.ROOT);
    }

    static String name(org.sparkddp.common.config.WireFormat w) {
        return w.name().toLowerCase(Locale.ROOT);
    }
}
