package org.sparkddp.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code deploy/bench scaling}'s options, validated. Read in the benchmark's parent JVM.
 *
 * @param quick      a 3-minute subset (3 configurations, 1M and 10M floats, 3 repetitions)
 * @param gbit       each emulated host's link rate
 * @param latencyUs  each emulated host's added one-way latency
 * @param computeMs  the calibrated wait between all-reduces that stands in for compute
 * @param algorithms the all-reduce algorithms to measure
 * @param out        where to write the Markdown too, or null
 */
record ScalingOptions(boolean quick, double gbit, int latencyUs, long computeMs, List<Algorithm> algorithms,
                      Path out) {
    ScalingOptions {
        if (computeMs < 0 || computeMs > 10_000) {
            throw new IllegalArgumentException("--compute-ms must be in [0, 10000] but got " + computeMs);
        }
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("--algorithms must name ring and/or hierarchical");
        }
        new LinkSpec(gbit, latencyUs, 1); // validates the link
    }

    /**
     * The options {@code args} give; a usage error is a {@link BenchOptions.UsageException} of one line.
     *
     * <p>NOTE on the default link rate: loopback on this 2-core machine moves about 10 Gbit/s in all, summing
     * included, so links of 10 Gbit/s on 8 hosts would leave the CPU, not the links, setting every time; at
     * 0.5 Gbit/s the links are the slower part, and the fitted β is scaled to 10 Gbit/s for the predictions.
     */
    static ScalingOptions parse(String[] args) {
        return BenchOptions.parse("bench scaling", new Arguments(), args).options;
    }

    /** The arguments as picocli reads them, before they are checked as a whole. */
    @Command(name = "bench scaling")
    static final class Arguments implements BenchOptions.Checked {
        @Option(names = "--quick", description = "a 3-minute subset")
        boolean quick;
        @Option(names = "--link-gbit", paramLabel = "G", description = "each emulated host's link rate (default 0.5)")
        double gbit = 0.5;
        @Option(names = "--latency-us", paramLabel = "L", description = "added one-way latency (default 50)")
        int latencyUs = 50;
        @Option(names = "--compute-ms", paramLabel = "C", description = "wait between all-reduces (default 20)")
        long computeMs = 20;
        @Option(names = "--algorithms", paramLabel = "ring,hierarchical", split = ",",
                description = "the algorithms to measure (default both)")
        List<String> algorithms;
        @Option(names = "--out", paramLabel = "FILE", description = "also write the Markdown to FILE")
        Path out;

        ScalingOptions options;

        @Override
        public void check() {
            List<Algorithm> chosen = algorithms == null ? List.of(Algorithm.RING, Algorithm.HIERARCHICAL)
                    : algorithms.stream().map(Arguments::algorithm).toList();
            options = new ScalingOptions(quick, gbit, latencyUs, computeMs, chosen, out);
        }

        private static Algorithm algorithm(String name) {
            for (Algorithm a : Algorithm.values()) {
                if (a.name().equals(name.trim().toUpperCase(Locale.ROOT))) {
                    return a;
                }
            }
            throw new IllegalArgumentException("--algorithms: unknown algorithm '" + name + "' (expected ring or"
                    + " hierarchical)");
        }
    }
}
