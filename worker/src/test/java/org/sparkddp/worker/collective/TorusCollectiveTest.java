package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * The hierarchical collective on equal hosts ({@link TorusCollective}) over loopback, against references computed
 * here: the documented order of additions ({@link Bf16CollectiveTest.Reference} with nothing rounded), which every
 * rank must match bit for bit, and a plain sum in double, which it must match within float rounding. Ranks are
 * threads; rank r listens on 127.0.0.(1 + r mod H), so a host's ranks are not consecutive.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TorusCollectiveTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Small pieces, so that every transfer is several. */
    private static final Pieces.Sizes PIECES = new Pieces.Sizes(1000, 300);

    @RegisterExtension
    final RankThreads threads = new RankThreads();
    private final ExecutorService pool = threads.pool;

    /** Hosts, ranks per host, vector length: the shapes of the issue, a vector shorter than W, and the edges. */
    static Stream<Arguments> shapes() {
        return Stream.of(arguments(2, 2, 10_007), arguments(2, 3, 10_007), arguments(3, 2, 10_007),
                arguments(2, 2, 3), arguments(2, 3, 5), arguments(3, 2, 1),
                arguments(1, 3, 10_007), arguments(3, 1, 10_007));
    }

    @ParameterizedTest(name = "{0} hosts x {1} ranks, {2} floats")
    @MethodSource("shapes")
    void allReduceSumsInTheDocumentedOrderOnEveryRank(int hosts, int perHost, int n) throws Exception {
        List<Collective> ranks = connect(hosts, perHost, WireFormat.FP32);
        int size = hosts * perHost;
        assertTrue(ranks.get(0) instanceof TorusCollective);
        float[][] inputs = randoms(new SplittableRandom(n + size), size, n);
        float[] ordered = reference(hosts, size, n).sum(inputs);
        List<float[]> results = onEveryRank(ranks, inputs, Collective::allReduce);
        double[] exact = new double[n];
        double[] magnitude = new double[n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                exact[i] += input[i];
                magnitude[i] += Math.abs(input[i]);
            }
        }
        for (int r = 0; r < size; r++) {
            assertTrue(Arrays.equals(ordered, results.get(r)), "rank " + r + ": not the documented order's bits");
            for (int i = 0; i < n; i++) {
                assertEquals(exact[i], results.get(r)[i], 1e-6 * magnitude[i], "rank " + r + ", float " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} hosts x {1} ranks, {2} floats")
    @MethodSource("shapes")
    void reduceScatterOwnsAnEqualChunkAndAllGatherFillsTheVector(int hosts, int perHost, int n) throws Exception {
        List<Collective> ranks = connect(hosts, perHost, WireFormat.FP32);
        int size = hosts * perHost;
        float[][] inputs = randoms(new SplittableRandom(7 * n + size), size, n);
        float[] ordered = reference(hosts, size, n).sum(inputs);
        List<float[]> reduced = onEveryRank(ranks, inputs, Collective::reduceScatter);
        long[][] owned = new long[size][];
        for (int r = 0; r < size; r++) {
            Collective c = ranks.get(r);
            owned[r] = new long[] {c.ownedFrom(n), c.ownedTo(n)};
            for (Collective other : ranks) {
                assertEquals(owned[r][0], other.ownedFrom(r, n), "rank " + other.rank() + " on rank " + r);
                assertEquals(owned[r][1], other.ownedTo(r, n), "rank " + other.rank() + " on rank " + r);
            }
            assertTrue(Math.abs((owned[r][1] - owned[r][0]) - (double) n / size) < 1, Arrays.toString(owned[r]));
            int from = (int) owned[r][0];
            int to = (int) owned[r][1];
            assertTrue(Arrays.equals(Arrays.copyOfRange(ordered, from, to), Arrays.copyOfRange(reduced.get(r), from,
                    to)), "rank " + r + "'s owned range");
        }
        long[][] sorted = owned.clone();
        Arrays.sort(sorted, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long next = 0;
        for (long[] range : sorted) {
            assertEquals(next, range[0], "owned ranges " + Arrays.deepToString(owned));
            next = range[1];
        }
        assertEquals(n, next, "owned ranges " + Arrays.deepToString(owned));

        float[] params = randoms(new SplittableRandom(3), 1, n)[0];
        float[][] partial = new float[size][n];
        for (int r = 0; r < size; r++) {
            Arrays.fill(partial[r], Float.NaN); // what no owner sent stays NaN, which params never are
            System.arraycopy(params, (int) owned[r][0], partial[r], (int) owned[r][0],
                    (int) (owned[r][1] - owned[r][0]));
        }
        for (float[] gathered : onEveryRank(ranks, partial, Collective::allGather)) {
            assertArrayEquals(params, gathered, 0f);
        }
    }

    @ParameterizedTest(name = "{0} hosts x {1} ranks, {2} floats")
    @MethodSource("shapes")
    void broadcastFromEveryRoot(int hosts, int perHost, int n) throws Exception {
        List<Collective> ranks = connect(hosts, perHost, WireFormat.FP32);
        int size = hosts * perHost;
        float[][] inputs = randoms(new SplittableRandom(n), size, n);
        for (int root = 0; root < size; root++) {
            int from = root;
            List<float[]> results = onEveryRank(ranks, inputs, (c, v) -> c.broadcast(v, from));
            for (int r = 0; r < size; r++) {
                assertArrayEquals(inputs[root], results.get(r), 0f, "root " + root + ", rank " + r);
            }
        }
    }

    static Stream<Arguments> trafficShapes() {
        return Stream.of(arguments(2, 2), arguments(2, 3), arguments(3, 2), arguments(2, 4));
    }

    /**
     * What each rank sends per all-reduce: {@code 2 (m-1)/m} of the vector inside its host, {@code 2 (H-1)/H} of
     * {@code 1/m} of it across hosts (half those bytes for a bf16 gradient), within a float per chunk; the leader
     * scheme's leader, for contrast, sends its host {@code (m-1)} whole vectors.
     */
    @ParameterizedTest(name = "{0} hosts x {1} ranks")
    @MethodSource("trafficShapes")
    void noRankSendsMoreThanItsShareInsideOrAcrossHosts(int hosts, int perHost) throws Exception {
        int n = 60_000;
        int size = hosts * perHost;
        float[][] inputs = randoms(new SplittableRandom(size), size, n);
        for (WireFormat wire : WireFormat.values()) {
            List<Collective> ranks = connect(hosts, perHost, wire);
            onEveryRank(ranks, inputs, (c, v) -> c.allReduceGradient(v, n - 2));
            double inHost = 2.0 * (perHost - 1) / perHost * n * Float.BYTES;
            double bytesPerFloat = wire == WireFormat.BF16 ? 2 : Float.BYTES;
            double across = 2.0 * (hosts - 1) / hosts * n / perHost * bytesPerFloat;
            for (Collective c : ranks) {
                long[] sent = ((TorusCollective) c).bytesSent();
                String what = wire + ", rank " + c.rank() + " sent " + Arrays.toString(sent);
                // Chunk sizes differ by at most a float from n / W; the two scalars cross as fp32.
                assertEquals(inHost, sent[0], 2 * perHost * Float.BYTES, what + " inside its host");
                assertEquals(across, sent[1], 2 * hosts * Float.BYTES + 8, what + " across hosts");
            }
        }
        if (hosts == 2 && perHost == 3) {
            // One rank fewer on the second host: the leaders' scheme, whose first leader sends 2 whole vectors.
            List<Collective> leaders = connect(CollectiveKind.HIERARCHICAL, size - 1, r -> r < 3, WireFormat.FP32);
            onEveryRank(leaders, Arrays.copyOf(inputs, size - 1), Collective::allReduce);
            long[] sent = ((HierarchicalCollective) leaders.get(0)).bytesSent();
            assertEquals(2L * n * Float.BYTES, sent[0], "the leader's bytes to its host " + Arrays.toString(sent));
        }
    }

    @Test
    void unequalHostsGetTheLeadersScheme() throws Exception {
        assertTrue(TorusCollective.fits(HostGroups.of(new String[] {"127.0.0.1:1", "127.0.0.2:2", "127.0.0.1:3",
                "127.0.0.2:4"})));
        HostGroups unequal = HostGroups.of(new String[] {"127.0.0.1:1", "127.0.0.2:2", "127.0.0.1:3"});
        assertEquals("hosts run 2, 1 ranks", TorusCollective.unequal(unequal));
        assertTrue(connect(CollectiveKind.HIERARCHICAL, 3, r -> r != 1, WireFormat.FP32).get(0)
                instanceof HierarchicalCollective);
        assertTrue(connect(CollectiveKind.HIERARCHICAL, 4, r -> r % 2 == 0, WireFormat.FP32).get(0)
                instanceof TorusCollective);
    }

    /** A ring across hosts corrects only its window of the gradient, and a residual stays with its window. */
    @Test
    void errorFeedbackOverAWindowTouchesOnlyIt() {
        float[] values = {1.001f, 2.001f, 3.001f, 4.001f, 5.001f, 6.001f};
        FloatVector v = Bf16Test.vector(values);
        ErrorFeedback feedback = new ErrorFeedback();
        feedback.apply(v, 2, 5);
        float[] after = Bf16Test.read(v, values.length);
        for (int i = 0; i < values.length; i++) {
            float expected = i >= 2 && i < 5 ? Bf16.roundTrip(values[i]) : values[i];
            Bf16Test.assertSameFloat(expected, after[i], "float " + i);
        }
        float[] residual = feedback.residual(3);
        for (int k = 0; k < 3; k++) {
            assertEquals(values[2 + k] - Bf16.roundTrip(values[2 + k]), residual[k], 0f, "residual " + k);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> feedback.apply(v, 1, 4));
        assertEquals("error feedback holds a residual for floats [2, 5), but was given a gradient's floats [1, 4)",
                e.getMessage());
    }

    /** The documented order of additions, nothing rounded. */
    private static Bf16CollectiveTest.Reference reference(int hosts, int size, int n) {
        String[] addresses = new String[size];
        for (int r = 0; r < size; r++) {
            addresses[r] = host(r, hosts) + ":" + (1000 + r);
        }
        return new Bf16CollectiveTest.Reference(HostGroups.of(addresses), true, n, 0);
    }

    private static String host(int rank, int hosts) {
        return "127.0.0." + (1 + rank % hosts);
    }

    private List<float[]> onEveryRank(List<Collective> ranks, float[][] inputs, Bf16CollectiveTest.Call call)
            throws Exception {
        return Bf16CollectiveTest.onEveryRank(pool, ranks, inputs, call);
    }

    private List<Collective> connect(int hosts, int perHost, WireFormat wire) throws Exception {
        return threads.connect(CollectiveKind.HIERARCHICAL, hosts * perHost, rank -> host(rank, hosts),
                rank -> "jvm-" + rank, PIECES, wire, TIMEOUT);
    }

    /** Ranks on two hosts: {@code first} says which run on 127.0.0.1. */
    private List<Collective> connect(CollectiveKind kind, int size, java.util.function.IntPredicate first,
                                     WireFormat wire) throws Exception {
        return threads.connect(kind, size, rank -> first.test(rank) ? "127.0.0.1" : "127.0.0.2",
                rank -> "jvm-" + rank, PIECES, wire, TIMEOUT);
    }

    /** Floats over many magnitudes, whose sums depend on the order of the additions. */
    static float[][] randoms(SplittableRandom random, int size, int n) {
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                input[i] = (float) Math.scalb(random.nextDouble(-1, 1), random.nextInt(-12, 13));
            }
        }
        return inputs;
    }
}
