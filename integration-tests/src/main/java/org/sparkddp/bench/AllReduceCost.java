package org.sparkddp.bench;

import java.util.List;

/**
 * The α-β cost model of one all-reduce of {@code n} float32 values over {@code W} ranks on {@code H} hosts, fitted
 * to the scaling benchmark's measurements by least squares on relative error (every point counts alike, 1M and
 * 100M parameters). Pure arithmetic; runs in the benchmark's parent JVM.
 *
 * <p>{@code T = α·hops_link + α_local·hops_local + β·bytes_link + γ·bytes_cpu}, where, with S = 4n bytes and
 * m = ⌈W/H⌉ ranks on the busiest host:
 * <ul>
 *   <li>ring, H &gt; 1: 2(W−1) hops, each crossing hosts (Spark-like interleaved placement puts rank r on host
 *       r mod H, so consecutive ranks are on different hosts), and the busiest host's link carries the flows of
 *       its m ranks: bytes_link = 2(W−1)/W·S·m;</li>
 *   <li>ring, H = 1: the same 2(W−1) hops, all inside the host (no link);</li>
 *   <li>hierarchical: 2(m−1) hops inside each host (reduce to the leader, then share), then the leaders' ring:
 *       2(H−1) hops, bytes_link = 2(H−1)/H·S with one flow per link;</li>
 *   <li>bytes_cpu: the bytes the busiest rank copies and adds, times the number of ranks sharing each core
 *       (max(1, W/cores)): on this 2-core machine, 16 ranks take turns; on a cluster each has its own.</li>
 * </ul>
 *
 * <p>NOTE: the hierarchical formula describes the algorithm issue 17 specifies (local reduce, leaders' ring, local
 * share); if its implementation reduces inside the host differently, only {@code hops_local} and
 * {@code bytes_cpu} change.
 */
final class AllReduceCost {
    enum Algorithm { RING, HIERARCHICAL }

    /** One measured point: median seconds of one all-reduce. */
    record Point(Algorithm algorithm, int ranks, int hosts, long floats, double seconds) {
    }

    /** The fitted constants, in seconds per hop and seconds per byte. */
    record Fit(double alphaLink, double alphaLocal, double beta, double gamma) {
        double predict(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare) {
            double[] f = features(algorithm, ranks, hosts, floats, cpuShare);
            return alphaLink * f[0] + alphaLocal * f[1] + beta * f[2] + gamma * f[3];
        }

        /** The same constants with the link's seconds per byte scaled, for a faster or slower link. */
        Fit withLinkScaled(double factor) {
            return new Fit(alphaLink, alphaLocal, beta * factor, gamma);
        }
    }

    private AllReduceCost() {
    }

    /** [hops_link, hops_local, bytes_link, bytes_cpu] of one all-reduce; {@code cpuShare} ranks per core. */
    static double[] features(Algorithm algorithm, int ranks, int hosts, long floats, double cpuShare) {
        if (ranks < 1 || hosts < 1 || hosts > ranks) {
            throw new IllegalArgumentException(ranks + " ranks on " + hosts + " hosts");
        }
        double s = 4.0 * floats;
        int perHost = (ranks + hosts - 1) / hosts;
        if (ranks == 1) {
            return new double[4];
        }
        if (algorithm == Algorithm.RING || hosts == 1 || perHost == 1) {
            double hops = 2.0 * (ranks - 1);
            double perRank = 2.0 * (ranks - 1) / ranks * s;
            return hosts == 1 ? new double[] {0, hops, 0, perRank * cpuShare}
                    : new double[] {hops, 0, perRank * perHost, perRank * cpuShare};
        }
        double linkBytes = 2.0 * (hosts - 1) / hosts * s;
        return new double[] {2.0 * (hosts - 1), 2.0 * (perHost - 1), linkBytes,
            (2.0 * (perHost - 1) * s + linkBytes) * cpuShare};
    }

    /** Ranks per core when {@code ranks} processes share {@code cores} cores. */
    static double cpuShare(int ranks, int cores) {
        return Math.max(1.0, (double) ranks / cores);
    }

    /**
     * Least squares on relative error: minimizes Σ((T_model − T)/T)². A constant whose feature is zero on every
     * point (no hierarchical point measured, say) is reported as 0: the data cannot tell it.
     */
    static Fit fit(List<Point> points, int cores) {
        int k = 4;
        double[][] ata = new double[k][k];
        double[] atb = new double[k];
        for (Point p : points) {
            double[] f = features(p.algorithm(), p.ranks(), p.hosts(), p.floats(), cpuShare(p.ranks(), cores));
            for (int i = 0; i < k; i++) {
                double fi = f[i] / p.seconds();
                atb[i] += fi; // y / T = 1
                for (int j = 0; j < k; j++) {
                    ata[i][j] += fi * f[j] / p.seconds();
                }
            }
        }
        double[] c = solve(ata, atb);
        return new Fit(c[0], c[1], c[2], c[3]);
    }

    /** Gaussian elimination with partial pivoting; a column with no data gets 0. */
    static double[] solve(double[][] a, double[] b) {
        int k = b.length;
        boolean[] used = new boolean[k];
        for (int i = 0; i < k; i++) {
            used[i] = a[i][i] > 0;
        }
        int[] idx = java.util.stream.IntStream.range(0, k).filter(i -> used[i]).toArray();
        int n = idx.length;
        double[][] m = new double[n][n + 1];
        // NOTE: hops are ~10 and bytes ~1e9: scale each column by sqrt of its diagonal (Jacobi) so that the
        // elimination works on numbers of one magnitude, and undo the scaling at the end.
        double[] d = new double[n];
        for (int r = 0; r < n; r++) {
            d[r] = Math.sqrt(a[idx[r]][idx[r]]);
        }
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                m[r][c] = a[idx[r]][idx[c]] / (d[r] * d[c]);
            }
            m[r][n] = b[idx[r]] / d[r];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] tmp = m[col];
            m[col] = m[pivot];
            m[pivot] = tmp;
            if (Math.abs(m[col][col]) < 1e-12) {
                throw new IllegalArgumentException("the measured points cannot separate the model's constants"
                        + " (column " + idx[col] + " is a combination of others): measure more configurations");
            }
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double factor = m[r][col] / m[col][col];
                    for (int c = col; c <= n; c++) {
                        m[r][c] -= factor * m[col][c];
                    }
                }
            }
        }
        double[] x = new double[k];
        for (int r = 0; r < n; r++) {
            x[idx[r]] = m[r][n] / m[r][r] / d[r];
        }
        return x;
    }
}
