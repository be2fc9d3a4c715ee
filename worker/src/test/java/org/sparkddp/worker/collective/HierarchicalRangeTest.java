package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * The ranged reduce-scatter (the overlapped step's buckets) of the collectives with levels: the torus on equal
 * hosts or JVMs, the hosts' leaders on unequal hosts, and the JVMs' leaders on unequal JVMs, fp32 and bf16. Ranges that tile the
 * vector, handed over last first, leave every owned range with exactly the bits of one whole-vector reduce-scatter,
 * and with bf16 over three iterations (the error feedback's residual carried between them) those of the whole
 * gradient call. Ranks are threads on loopback; rank r's host is 127.0.0.(1 + its host index), so a host's ranks
 * need not be consecutive.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HierarchicalRangeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Small pieces, so that a range is several transfers. */
    private static final Pieces.Sizes PIECES = new Pieces.Sizes(64, 64);

    @RegisterExtension
    final RankThreads threads = new RankThreads();
    private final ExecutorService pool = threads.pool;

    /**
     * Which host each rank runs on ("0,1,0,1": ranks 0 and 2 on the first host), which JVM (null: one each), the
     * vector's length (primes, and one shorter than the ranks), and the class that {@code hierarchical} (or, with
     * JVMs, {@code shared-memory}) must pick.
     */
    static Stream<Arguments> shapes() {
        return Stream.of(
                arguments("0,0,0", null, 1003, TorusCollective.class), // 1 host x 3
                arguments("0,1,0,1", null, 1003, TorusCollective.class), // 2 x 2
                arguments("0,1,2,0,1,2", null, 1009, TorusCollective.class), // 3 x 2
                arguments("0,1,0,1,0,1", null, 5, TorusCollective.class), // 2 x 3, fewer floats than ranks
                arguments("0,1,2", null, 1003, TorusCollective.class), // 3 x 1
                arguments("0,1,0", null, 1003, HierarchicalCollective.class), // unequal: 2 + 1
                arguments("0,1,0,1,0", null, 1013, HierarchicalCollective.class), // 3 + 2
                arguments("0,1,2,0,1,0", null, 1013, HierarchicalCollective.class), // 3 + 2 + 1
                arguments("0,0,0,0", "0,0,1,1", 1003, TorusCollective.class), // 2 JVMs x 2
                arguments("0,1,0,1,0,1", "0,1,2,0,1,2", 1009, TorusCollective.class), // 3 JVMs x 2 on 2 hosts
                arguments("0,0,0", "0,1,0", 1003, JvmLevelCollective.class)); // 2 JVMs: 2 + 1
    }

    @ParameterizedTest(name = "hosts {0}, JVMs {1}, {2} floats")
    @MethodSource("shapes")
    void rangesTilingTheVectorGiveTheWholeReduceScattersBits(String hosts, String jvms, int n, Class<?> expected)
            throws Exception {
        int size = hosts.split(",").length;
        float[][] inputs = inputs(size, n, 0);
        long[] cuts = RangeReduceTest.cuts(n, new Random(n + size));
        List<Collective> whole = connect(hosts, jvms, WireFormat.FP32);
        List<Collective> ranged = connect(hosts, jvms, WireFormat.FP32);
        assertEquals(expected, ranged.get(0).getClass());
        for (Collective c : ranged) {
            assertNull(c.rangesUnsupported(), "rank " + c.rank());
            assertNull(c.gradientRangesUnsupported(), "rank " + c.rank());
        }
        List<float[]> wholeSums = Bf16CollectiveTest.onEveryRank(pool, whole, inputs, Collective::reduceScatter);
        List<float[]> rangedSums = Bf16CollectiveTest.onEveryRank(pool, ranged, inputs, (c, v) -> {
            for (int i = cuts.length - 2; i >= 0; i--) {
                c.reduceScatter(v, cuts[i], cuts[i + 1]);
            }
        });
        assertOwnedBitsEqual(ranged, wholeSums, rangedSums, n, "fp32");
        for (int r = 0; r < size; r++) { // and they are the sums, within float rounding
            for (int i = (int) ranged.get(r).ownedFrom(n); i < ranged.get(r).ownedTo(n); i++) {
                double sum = 0;
                double magnitude = 0;
                for (float[] input : inputs) {
                    sum += input[i];
                    magnitude += Math.abs(input[i]);
                }
                assertEquals(sum, rangedSums.get(r)[i], 1e-6 * magnitude, "rank " + r + ", float " + i);
            }
        }
    }

    /**
     * With bf16 across the upper level, gradients are cut into ranges with the whole call's bits, iteration after
     * iteration (each range's error feedback, hops and owner's rounding are element-wise); other vectors are reduced
     * whole only, and every rank says so alike.
     */
    @ParameterizedTest(name = "hosts {0}, JVMs {1}, {2} floats")
    @MethodSource("shapes")
    void bf16GradientRangesGiveTheWholeCallsBitsOverIterations(String hosts, String jvms, int n, Class<?> expected)
            throws Exception {
        int size = hosts.split(",").length;
        long gradient = Math.max(0, n - 2); // the loss and the stop flag ride along as fp32
        long[] cuts = RangeReduceTest.cuts(n, new Random(7 + n + size));
        List<Collective> whole = connect(hosts, jvms, WireFormat.BF16);
        List<Collective> ranged = connect(hosts, jvms, WireFormat.BF16);
        boolean crosses = ranged.get(0).gradientWire() == WireFormat.BF16;
        for (Collective c : ranged) {
            assertNull(c.gradientRangesUnsupported(), "rank " + c.rank());
            assertEquals(crosses, c.rangesUnsupported() != null, "rank " + c.rank());
        }
        if (crosses) {
            assertThrows(UnsupportedOperationException.class,
                    () -> ranged.get(0).reduceScatter(Bf16Test.vector(new float[4]), 0, 2));
        }
        for (int iteration = 0; iteration < 3; iteration++) {
            float[][] inputs = inputs(size, n, iteration + 1);
            List<float[]> wholeSums = Bf16CollectiveTest.onEveryRank(pool, whole, inputs,
                    (c, v) -> c.reduceScatterGradient(v, gradient));
            List<float[]> rangedSums = Bf16CollectiveTest.onEveryRank(pool, ranged, inputs, (c, v) -> {
                for (int i = cuts.length - 2; i >= 0; i--) {
                    c.reduceScatterGradient(v, gradient, cuts[i], cuts[i + 1]);
                }
            });
            assertOwnedBitsEqual(ranged, wholeSums, rangedSums, n, "bf16, iteration " + iteration);
        }
    }

    private static void assertOwnedBitsEqual(List<Collective> ranks, List<float[]> expected, List<float[]> actual,
                                             int n, String what) {
        for (int r = 0; r < ranks.size(); r++) {
            int from = (int) ranks.get(r).ownedFrom(n);
            int to = (int) ranks.get(r).ownedTo(n);
            assertArrayEquals(Arrays.copyOfRange(expected.get(r), from, to),
                    Arrays.copyOfRange(actual.get(r), from, to), 0f, what + ": rank " + r + "'s owned sums");
        }
    }

    /** Floats over many magnitudes, whose sums depend on the order of the additions. */
    private static float[][] inputs(int size, int n, int seed) {
        Random random = new Random(size * 31L + n + 1000L * seed);
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                input[i] = (float) Math.scalb(random.nextDouble() * 2 - 1, random.nextInt(25) - 12);
            }
        }
        return inputs;
    }

    /** Rank r on host 127.0.0.(1 + hosts[r]) and in JVM "jvm-" + jvms[r] (each its own where null). */
    private List<Collective> connect(String hosts, String jvms, WireFormat wire) throws Exception {
        String[] host = hosts.split(",");
        String[] jvm = jvms == null ? null : jvms.split(",");
        return threads.connect(jvms == null ? CollectiveKind.HIERARCHICAL : CollectiveKind.SHARED_MEMORY,
                host.length, r -> "127.0.0." + (1 + Integer.parseInt(host[r].trim())),
                r -> "jvm-" + (jvm == null ? r : jvm[r].trim()), PIECES, wire, TIMEOUT);
    }
}
