package org.sparkddp.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.PeerRing;
import org.sparkddp.worker.collective.WireSecret;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What wire crypto costs per all-reduce: W ranks in this JVM (threads) connect through the real collective on
 * loopback, as training tasks do, and all-reduce a vector the size of the shipped MLP's and CNN's gradients (plus
 * the two scalars that ride along) with CRC-32C frames and with AES-GCM frames, alternating, and print the median
 * milliseconds of one all-reduce. Runs on one machine; no Spark.
 *
 * <p>Usage: {@code WireCryptoCost [--ranks 2] [--reps 200] [--warmup 50]}
 */
public final class WireCryptoCost {
    private static final long[][] MODELS = {{235_146 + 2}, {422_026 + 2}};
    private static final String[] NAMES = {"MLP (235,146 parameters)", "CNN (422,026 parameters)"};

    private WireCryptoCost() {
    }

    /** {@code [--ranks 2] [--reps 200] [--warmup 50]}. */
    @Command(name = "WireCryptoCost")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--ranks", paramLabel = "N", description = "ranks of the ring (default 2)")
        int ranks = 2;
        @Option(names = "--reps", paramLabel = "N", description = "timed all-reduces (default 200)")
        int reps = 200;
        @Option(names = "--warmup", paramLabel = "N", description = "untimed all-reduces first (default 50)")
        int warmup = 50;

        @Override
        public void check() {
            Benchmark.positive("--ranks", ranks);
            Benchmark.positive("--reps", reps);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("WireCryptoCost", new Options(), args);
        int ranks = options.ranks;
        int reps = options.reps;
        int warmup = options.warmup;
        System.out.printf(Locale.ROOT, "| model | ranks | CRC-32C frames, ms/all-reduce | AES-GCM frames, ms/all-reduce"
                + " | cost of crypto | of which CRC-32C itself, ms |%n");
        System.out.printf("|---|---:|---:|---:|---:|---:|%n");
        for (int m = 0; m < MODELS.length; m++) {
            int floats = (int) MODELS[m][0];
            double[] plain = new double[3];
            double[] crypto = new double[3];
            for (int round = 0; round < 3; round++) { // alternate, so that drift in the machine's load hits both
                plain[round] = median(ranks, floats, false, reps, warmup);
                crypto[round] = median(ranks, floats, true, reps, warmup);
            }
            Arrays.sort(plain);
            Arrays.sort(crypto);
            System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | +%.2f ms (%.0f%%) | %.3f |%n", NAMES[m], ranks,
                    plain[1], crypto[1], crypto[1] - plain[1], 100 * (crypto[1] - plain[1]) / plain[1],
                    crcMillis(ranks, floats, reps));
        }
    }

    /**
     * Median milliseconds one rank spends computing CRC-32C per all-reduce: over the bytes it sends and receives,
     * {@code 2 × 2 (W-1)/W × 4n}, on a direct buffer as the frames do.
     */
    static double crcMillis(int ranks, int floats, int reps) {
        int bytes = (int) (2L * 2 * (ranks - 1) * floats * Float.BYTES / ranks);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        double[] ms = new double[reps];
        long sink = 0;
        for (int i = 0; i < reps + 20; i++) {
            long start = System.nanoTime();
            crc.reset();
            crc.update(b.duplicate());
            sink += crc.getValue();
            if (i >= 20) {
                ms[i - 20] = (System.nanoTime() - start) / 1e6;
            }
        }
        Arrays.sort(ms);
        return sink == 42 ? -1 : ms[reps / 2];
    }

    /** Median milliseconds of one all-reduce over {@code reps}, on rank 0, after {@code warmup}. */
    static double median(int ranks, int floats, boolean crypto, int reps, int warmup) throws Exception {
        WireSecret secret = new WireSecret("bench-" + System.nanoTime(), crypto).forStage("bench " + crypto);
        String[] slots = new String[ranks];
        CyclicBarrier gathered = new CyclicBarrier(ranks);
        ExecutorService pool = Executors.newFixedThreadPool(ranks);
        try {
            List<Future<double[]>> times = new ArrayList<>();
            for (int r = 0; r < ranks; r++) {
                int rank = r;
                PeerRing.AddressExchange exchange = message -> {
                    slots[rank] = message;
                    try {
                        gathered.await(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return slots.clone();
                };
                times.add(pool.submit(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
                    double[] ms = new double[reps];
                    try (Collective c = Collectives.connect(CollectiveKind.RING, rank, ranks, "127.0.0.1", secret,
                            exchange, Duration.ofSeconds(60), () -> false)) {
                        FloatVector v = new FloatVector(b);
                        for (int i = 0; i < warmup + reps; i++) {
                            long start = System.nanoTime();
                            c.allReduce(v);
                            if (i >= warmup) {
                                ms[i - warmup] = (System.nanoTime() - start) / 1e6;
                            }
                        }
                    }
                    return ms;
                }));
            }
            double[] rank0 = times.get(0).get(10, TimeUnit.MINUTES);
            for (Future<double[]> f : times) {
                f.get(10, TimeUnit.MINUTES);
            }
            Arrays.sort(rank0);
            return rank0[reps / 2];
        } finally {
            pool.shutdownNow();
        }
    }
}
