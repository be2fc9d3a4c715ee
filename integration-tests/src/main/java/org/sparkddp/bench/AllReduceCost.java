package org.sparkddp.bench;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.QRDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;
import org.sparkddp.common.config.WireFormat;

/**
 * The α-β cost model of one all-reduce of {@code n} float32 values over {@code W} ranks on {@code H} hosts, fitted
 * to the scaling benchmark's measurements by least squares on relative error (every point counts alike, 1M and
 * 100M parameters), with Commons Math (which comes with Spark). Pure arithmetic; runs in the benchmark's parent JVM.
 *
 * <p>{@code T = α·hops_link + α_local·hops_local + β·bytes_link + γ·bytes_cpu + κ·floats_codec}, where, with S = 4n bytes and
 * m = ⌈W/H⌉ ranks on the busiest host:
 * <ul>
 *   <li>ring, H &gt; 1: 2(W−1) hops, each crossing hosts (Spark-like interleaved placement puts rank r on host
 *       r mod H, so consecutive ranks are on different hosts), and the busiest host's link carries the flows of
 *       its m ranks: bytes_link = 2(W−1)/W·S·m;</li>
 *   <li>ring, H = 1: the same 2(W−1) hops, all inside the host (no link);</li>
 *   <li>hierarchical on equal hosts (W a multiple of H: the torus): 2(m−1) hops inside each host (a
 *       reduce-scatter and an all-gather), 2(H−1) hops across hosts on m rings at once, each over S/m, so
 *       bytes_link = 2(H−1)/H·S, and the busiest rank copies and adds 2(m−1)/m·S + 2(H−1)/H·S/m;</li>
 *   <li>hierarchical on unequal hosts (the leaders' scheme): 2(m−1) hops inside each host (reduce to the leader,
 *       then share), then the leaders' ring: 2(H−1) hops, bytes_link = 2(H−1)/H·S with one flow per link, and the
 *       leader copies and adds 2(m−1)·S + 2(H−1)/H·S;</li>
 *   <li>bytes_cpu: the bytes the busiest rank copies and adds, times the number of ranks sharing each core
 *       (max(1, W/cores)): on this 2-core machine, 16 ranks take turns; on a cluster each has its own;</li>
 *   <li>with {@code training.wire = bf16} (gradients only), bytes_link is halved (2 bytes a float crosses), and
 *       floats_codec = n times the same share of a core: the error feedback, the rounding and the decoding that
 *       each rank runs over about its whole vector; 0 for fp32.</li>
 * </ul>
 *
 * <p>NOTE: the fit of 2026-11-28 in BENCHMARKS.md measured the leaders' scheme at every hierarchical point (the
 * torus came later); only {@code bytes_cpu} of the equal-host points differs between the two.
 */
final class AllReduceCost {
    enum Algorithm { RING, HIERARCHICAL }

    /** One measured point: median seconds of one all-reduce of a gradient crossing as {@code wire}. */
    record Point(Algorithm algorithm, int ranks, int hosts, long floats, double seconds, WireFormat wire) {
        Point(Algorithm algorithm, int ranks, int hosts, long floats, double seconds) {
            this(algorithm, ranks, hosts, floats, seconds, WireFormat.FP32);
        }
    }

    /** The fitted constants, in seconds per hop, per byte and (κ) per float through the bf16 codec. */
    record Fit(double alphaLink, double alphaLocal, double beta, double gamma, double kappa) {
        Fit(double alphaLink, double alphaLocal, double beta, double gamma) {
            this(alphaLink, alphaLocal, beta, gamma, 0);
        }

        double predict(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare) {
            return predict(algorithm, ranks, hosts, floats, cpuShare, WireFormat.FP32);
        }

        double predict(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare, WireFormat wire) {
            double[] f = features(algorithm, ranks, hosts, floats, cpuShare, wire);
            return alphaLink * f[0] + alphaLocal * f[1] + beta * f[2] + gamma * f[3] + kappa * f[4];
        }

        /** The same constants with the link's seconds per byte scaled, for a faster or slower link. */
        Fit withLinkScaled(double factor) {
            return new Fit(alphaLink, alphaLocal, beta * factor, gamma, kappa);
        }

        /** The same constants with other per-hop costs: a LAN's latency, or memory barriers inside a JVM. */
        Fit withHops(double link, double local) {
            return new Fit(link, local, beta, gamma, kappa);
        }
    }

    private AllReduceCost() {
    }

    /** [hops_link, hops_local, bytes_link, bytes_cpu, 0] of one fp32 all-reduce; {@code cpuShare} ranks per core. */
    static double[] features(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare) {
        return features(algorithm, ranks, hosts, floats, cpuShare, WireFormat.FP32);
    }

    /** [hops_link, hops_local, bytes_link, bytes_cpu, floats_codec] of one all-reduce of a gradient. */
    static double[] features(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare,
                             WireFormat wire) {
        double[] f = fp32Features(algorithm, ranks, hosts, floats, cpuShare);
        if (wire == WireFormat.BF16 && ranks > 1) {
            f[2] /= 2;
            f[4] = floats * cpuShare;
        }
        return f;
    }

    private static double[] fp32Features(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare) {
        if (ranks < 1 || hosts < 1 || hosts > ranks) {
            throw new IllegalArgumentException(ranks + " ranks on " + hosts + " hosts");
        }
        double s = 4.0 * floats;
        int perHost = (ranks + hosts - 1) / hosts;
        if (ranks == 1) {
            return new double[5];
        }
        if (algorithm == Algorithm.RING || hosts == 1 || perHost == 1) {
            double hops = 2.0 * (ranks - 1);
            double perRank = 2.0 * (ranks - 1) / ranks * s;
            return hosts == 1 ? new double[] {0, hops, 0, perRank * cpuShare, 0}
                    : new double[] {hops, 0, perRank * perHost, perRank * cpuShare, 0};
        }
        double linkBytes = 2.0 * (hosts - 1) / hosts * s;
        if (ranks % hosts == 0) {
            // The torus: each rank moves 2(m-1)/m of the vector inside its host and 2(H-1)/H of its 1/m across.
            return new double[] {2.0 * (hosts - 1), 2.0 * (perHost - 1), linkBytes,
                (2.0 * (perHost - 1) / perHost * s + linkBytes / perHost) * cpuShare, 0};
        }
        return new double[] {2.0 * (hosts - 1), 2.0 * (perHost - 1), linkBytes,
            (2.0 * (perHost - 1) * s + linkBytes) * cpuShare, 0};
    }

    /** Ranks per core when {@code ranks} processes share {@code cores} cores. */
    static double cpuShare(int ranks, int cores) {
        return Math.max(1.0, (double) ranks / cores);
    }

    /**
     * Least squares on relative error: minimizes Σ((T_model − T)/T)², solved by Commons Math's QR decomposition, with
     * every constant kept at 0 or above (a negative cost per hop or per byte means nothing): while the solution has a
     * negative constant, the most negative one is set to 0 and the rest fitted again (an active-set step, as in
     * Lawson and Hanson's NNLS). A constant whose feature is zero on every point (no hierarchical point measured, say)
     * is reported as 0 too: the data cannot tell it.
     */
    static Fit fit(List<Point> points, int cores) {
        int k = 5;
        double[][] rows = new double[points.size()][];
        for (int p = 0; p < rows.length; p++) {
            Point point = points.get(p);
            rows[p] = features(point.algorithm(), point.ranks(), point.hosts(), point.floats(),
                    cpuShare(point.ranks(), cores), point.wire());
            for (int i = 0; i < k; i++) {
                rows[p][i] /= point.seconds(); // each row divided by its T, so that y / T = 1
            }
        }
        int[] used = IntStream.range(0, k).filter(i -> Arrays.stream(rows).anyMatch(r -> r[i] != 0)).toArray();
        if (used.length == 0 || rows.length < used.length) {
            throw new IllegalArgumentException("the measured points cannot separate the model's constants: measure"
                    + " more configurations");
        }
        while (true) {
            double[] c = solve(rows, used, k);
            int worst = -1;
            for (int i : used) {
                if (c[i] < 0 && (worst < 0 || c[i] < c[worst])) {
                    worst = i;
                }
            }
            if (worst < 0) {
                return new Fit(c[0], c[1], c[2], c[3], c[4]);
            }
            int dropped = worst;
            used = Arrays.stream(used).filter(i -> i != dropped).toArray();
        }
    }

    /** The least-squares constants of the columns {@code used}; the others 0. */
    private static double[] solve(double[][] rows, int[] used, int k) {
        double[] c = new double[k];
        if (used.length == 0) {
            return c;
        }
        // NOTE: hops are ~10 and bytes ~1e9: each column is scaled to unit length, so that the QR's rank test
        // compares numbers of one magnitude, and the scaling is undone at the end.
        double[] norms = Arrays.stream(used)
                .mapToDouble(i -> Math.sqrt(Arrays.stream(rows).mapToDouble(r -> r[i] * r[i]).sum())).toArray();
        RealMatrix a = new Array2DRowRealMatrix(rows.length, used.length);
        for (int p = 0; p < rows.length; p++) {
            for (int j = 0; j < used.length; j++) {
                a.setEntry(p, j, rows[p][used[j]] / norms[j]);
            }
        }
        DecompositionSolver solver = new QRDecomposition(a, 1e-12).getSolver();
        if (!solver.isNonSingular()) {
            throw new IllegalArgumentException("the measured points cannot separate the model's constants (one is a"
                    + " combination of others): measure more configurations");
        }
        RealVector x = solver.solve(new ArrayRealVector(rows.length, 1.0));
        for (int j = 0; j < used.length; j++) {
            c[used[j]] = x.getEntry(j) / norms[j];
        }
        return c;
    }
}
