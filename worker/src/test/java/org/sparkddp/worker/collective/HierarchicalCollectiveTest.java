package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.sparkddp.worker.collective.EveryRank.assertTile;
import static org.sparkddp.worker.collective.EveryRank.exactSum;
import static org.sparkddp.worker.collective.EveryRank.integers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
 * The hierarchical collective against the flat ring, over loopback: ranks are threads, and "hosts" are the
 * loopback addresses 127.0.0.1 to 127.0.0.4 (Linux routes all of 127/8 to lo), with rank r on host r mod H, so a
 * host's ranks are not consecutive, as Spark's partition ids on executors are not.
 *
 * <p>Sums of whole numbers are exact in any order, so there the two collectives must agree bit for bit; sums of
 * random floats depend on the order of the additions, which differs, so there they agree within 1e-5 of the sum
 * of magnitudes. Expected values are computed here, not by either collective.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HierarchicalCollectiveTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Not a multiple of any rank count here, and split over two segments as a gradient plus scalars is. */
    private static final int SMALL = 10_007;
    private static final int TAIL = 7;
    /** 16 MB and 28 bytes: four times the socket buffers (4 MB), so ranks wait on each other's reads and writes. */
    private static final int LARGE = (4 << 20) + 7;
    /** Small pieces in the small cases, so that every transfer and broadcast is many pieces. */
    private static final Pieces.Sizes SMALL_PIECES = new Pieces.Sizes(1000, 300);
    private static final Pieces.Sizes PRODUCTION_PIECES = new Pieces.Sizes(RingCollective.PIECE_FLOATS,
            RingCollective.BROADCAST_PIECE_FLOATS);

    @RegisterExtension
    final RankThreads threads = new RankThreads();
    private final ExecutorService pool = threads.pool;

    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        for (int w = 2; w <= 8; w++) {
            for (int h = 1; h <= Math.min(4, w); h++) {
                shapes.add(arguments(w, h));
            }
        }
        return shapes.stream();
    }

    @ParameterizedTest(name = "{0} ranks on {1} hosts")
    @MethodSource("shapes")
    void allReduceEqualsTheRingsSum(int size, int hosts) throws Exception {
        List<Collective> ring = connect(CollectiveKind.RING, size, hosts, SMALL_PIECES);
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, hosts, SMALL_PIECES);
        // Equal hosts get the torus; unequal ones the leaders' scheme.
        assertTrue(size % hosts == 0 ? hierarchical.get(0) instanceof TorusCollective
                : hierarchical.get(0) instanceof HierarchicalCollective, hierarchical.get(0).getClass().getName());

        float[][] integers = integers(size, SMALL, 1);
        float[] exact = exactSum(integers);
        List<float[]> byRing = onEveryRank(ring, (c, v) -> allReduce(c, v), integers);
        List<float[]> byHierarchy = onEveryRank(hierarchical, (c, v) -> allReduce(c, v), integers);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(exact, byRing.get(r), "ring, rank " + r);
            assertArrayEquals(exact, byHierarchy.get(r), "hierarchical, rank " + r);
        }

        float[][] randoms = randoms(size, SMALL);
        byRing = onEveryRank(ring, (c, v) -> allReduce(c, v), randoms);
        byHierarchy = onEveryRank(hierarchical, (c, v) -> allReduce(c, v), randoms);
        double[] magnitude = magnitudes(randoms);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(byHierarchy.get(0), byHierarchy.get(r), 0f, "hierarchical: rank " + r + " differs");
            for (int i = 0; i < SMALL; i++) {
                assertEquals(byRing.get(r)[i], byHierarchy.get(r)[i], 1e-5 * magnitude[i], "element " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} ranks on {1} hosts")
    @MethodSource("shapes")
    void reduceScatterOwnershipTilesTheVectorAndAllGatherFillsIt(int size, int hosts) throws Exception {
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, hosts, SMALL_PIECES);
        assertReduceScatterThenAllGather(hierarchical, SMALL);
    }

    @ParameterizedTest(name = "{0} ranks on {1} hosts")
    @MethodSource("shapes")
    void broadcastFromEveryRoot(int size, int hosts) throws Exception {
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, hosts, SMALL_PIECES);
        List<Collective> ring = connect(CollectiveKind.RING, size, hosts, SMALL_PIECES);
        float[][] inputs = randoms(size, SMALL);
        for (int root = 0; root < size; root++) {
            int from = root;
            for (List<Collective> collective : List.of(hierarchical, ring)) {
                List<float[]> results = onEveryRank(collective, (c, v) -> {
                    c.broadcast(v, from);
                    return v;
                }, inputs);
                for (int r = 0; r < size; r++) {
                    assertArrayEquals(inputs[root], results.get(r), 0f,
                            collective.get(0).getClass().getSimpleName() + ": root " + root + ", rank " + r);
                }
            }
        }
    }

    static Stream<Arguments> largeShapes() {
        return Stream.of(arguments(4, 2), arguments(5, 3), arguments(8, 4));
    }

    /** Vectors larger than the socket buffers, with the production piece size: sums and ownership still exact. */
    @ParameterizedTest(name = "{0} ranks on {1} hosts, 16 MB")
    @MethodSource("largeShapes")
    void largeVectorsSumExactlyAndScatterExactly(int size, int hosts) throws Exception {
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, hosts, PRODUCTION_PIECES);
        float[][] integers = integers(size, LARGE, 3);
        float[] exact = exactSum(integers);
        List<float[]> results = onEveryRank(hierarchical, (c, v) -> allReduce(c, v), integers);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(exact, results.get(r), "rank " + r);
        }
        assertReduceScatterThenAllGather(hierarchical, LARGE);
    }

    /** A 16 MB broadcast in production-size pieces, from a leader and from a rank that is not one, both ways. */
    @Test
    void largeBroadcastFromALeaderAndFromALocalRank() throws Exception {
        int size = 5;
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, 2, PRODUCTION_PIECES);
        List<Collective> ring = connect(CollectiveKind.RING, size, 2, PRODUCTION_PIECES);
        float[][] inputs = integers(size, LARGE, 4);
        for (int root : new int[] {1, 4}) { // rank 1 leads host 2; rank 4 is on host 1, led by rank 0
            for (List<Collective> collective : List.of(hierarchical, ring)) {
                List<float[]> results = onEveryRank(collective, (c, v) -> {
                    c.broadcast(v, root);
                    return v;
                }, inputs);
                for (int r = 0; r < size; r++) {
                    assertArrayEquals(inputs[root], results.get(r),
                            collective.get(0).getClass().getSimpleName() + ": root " + root + ", rank " + r);
                }
            }
        }
    }

    /**
     * A rank that closes its sockets before an all-reduce (its task failed): its host's peer (the torus's next rank,
     * or the leader) fails at once, and each failed rank closing its own sockets (as a barrier task's
     * try-with-resources does) fails the rest, on both hosts, without waiting for the timeout. 4 ranks on 2 hosts
     * are a torus; 5 the leaders' scheme.
     */
    @ParameterizedTest(name = "{0} ranks on 2 hosts")
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 5})
    void aRankThatClosesFailsEveryOtherRankPromptly(int size) throws Exception {
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, 2, SMALL_PIECES, Duration.ofSeconds(60));
        hierarchical.get(3).close(); // rank 3 is on host 2, with rank 1 (its leader, or its ring's next and previous)
        List<Future<?>> calls = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r == 3) {
                calls.add(null);
                continue;
            }
            Collective c = hierarchical.get(r);
            calls.add(pool.submit(() -> {
                try (c) {
                    c.allReduce(vector(new float[LARGE]));
                }
            }));
        }
        for (int r = 0; r < size; r++) {
            if (r == 3) {
                continue;
            }
            PeerFailureException e = failure(calls.get(r));
            assertFalse(e.getMessage().contains("timed out"), "rank " + r + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("rank " + r + ": "), e.getMessage());
        }
        assertTrue(failure(calls.get(1)).getMessage().contains("rank 3 at 127.0.0.2:"),
                "rank 1 names the rank that left: " + failure(calls.get(1)).getMessage());
    }

    /** A rank that stays connected but never joins the call fails the others by the timeout, not never. */
    @ParameterizedTest(name = "{0} ranks on 2 hosts")
    @org.junit.jupiter.params.provider.ValueSource(ints = {4, 5})
    void aSilentRankFailsTheOthersByTheTimeout(int size) throws Exception {
        List<Collective> hierarchical = connect(CollectiveKind.HIERARCHICAL, size, 2, SMALL_PIECES,
                Duration.ofSeconds(1));
        List<Future<?>> calls = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            if (r == 3) { // rank 3 is silent
                calls.add(null);
                continue;
            }
            Collective c = hierarchical.get(r);
            calls.add(pool.submit(() -> {
                try (c) {
                    c.allReduce(vector(new float[SMALL]));
                }
            }));
        }
        for (int r = 0; r < size; r++) {
            if (r != 3) {
                failure(calls.get(r));
            }
        }
        assertTrue(failure(calls.get(1)).getMessage().contains("timed out after PT1S waiting for data from rank 3 at"),
                failure(calls.get(1)).getMessage());
    }

    @Test
    void autoIsHierarchicalOnlyWithSeveralHostsAndASharedOne() {
        assertEquals(CollectiveKind.RING, Collectives.choose(CollectiveKind.AUTO,
                HostGroups.of(new String[] {"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"})));
        assertEquals(CollectiveKind.RING, Collectives.choose(CollectiveKind.AUTO,
                HostGroups.of(new String[] {"127.0.0.1:1", "127.0.0.2:2", "127.0.0.3:3"})));
        HostGroups interleaved = HostGroups.of(new String[] {"127.0.0.2:1", "127.0.0.1:2", "127.0.0.2:3",
                "127.0.0.1:4", "127.0.0.3:5"});
        assertEquals(CollectiveKind.HIERARCHICAL, Collectives.choose(CollectiveKind.AUTO, interleaved));
        assertEquals(CollectiveKind.RING, Collectives.choose(CollectiveKind.RING, interleaved));
        assertEquals("3 hosts: 127.0.0.2 [0, 2], 127.0.0.1 [1, 3], 127.0.0.3 [4]", interleaved.toString());
        assertEquals(0, interleaved.leader(0));
        assertEquals(1, interleaved.leader(1));
        assertEquals(1, interleaved.localIndex(3));
    }

    @Test
    void connectChoosesFromTheExchangedHosts() throws Exception {
        assertTrue(connect(CollectiveKind.AUTO, 4, 2, SMALL_PIECES).get(0) instanceof TorusCollective);
        assertTrue(connect(CollectiveKind.AUTO, 5, 2, SMALL_PIECES).get(0) instanceof HierarchicalCollective);
        assertTrue(connect(CollectiveKind.AUTO, 3, 3, SMALL_PIECES).get(0) instanceof RingCollective);
        assertTrue(connect(CollectiveKind.AUTO, 3, 1, SMALL_PIECES).get(0) instanceof RingCollective);
    }

    /**
     * Reduce-scatter leaves the exact sum in each rank's owned range, the ranges tile {@code [0, n)} with about
     * n / W floats each, every rank computes every rank's range alike, and all-gather of another vector, set only
     * in each owner's range, gives every rank all of it.
     */
    private void assertReduceScatterThenAllGather(List<Collective> collective, int n) throws Exception {
        int size = collective.size();
        float[][] gradients = integers(size, n, 2);
        float[] sum = exactSum(gradients);
        List<float[]> reduced = onEveryRank(collective, (c, v) -> {
            c.reduceScatter(v);
            return v;
        }, gradients);
        long[][] owned = new long[size][];
        for (int r = 0; r < size; r++) {
            Collective c = collective.get(r);
            owned[r] = new long[] {c.ownedFrom(n), c.ownedTo(n)};
            for (Collective other : collective) {
                assertEquals(owned[r][0], other.ownedFrom(r, n), "rank " + other.rank() + " on rank " + r + "'s range");
                assertEquals(owned[r][1], other.ownedTo(r, n), "rank " + other.rank() + " on rank " + r + "'s range");
            }
            assertTrue(Math.abs((owned[r][1] - owned[r][0]) - (double) n / size) <= 1, Arrays.toString(owned[r]));
            int from = (int) owned[r][0];
            int to = (int) owned[r][1];
            assertArrayEquals(Arrays.copyOfRange(sum, from, to), Arrays.copyOfRange(reduced.get(r), from, to),
                    "rank " + r + "'s owned range");
        }
        assertTile(owned, n);

        float[] params = randoms(1, n)[0];
        float[][] partial = new float[size][];
        for (int r = 0; r < size; r++) {
            partial[r] = new float[n];
            Arrays.fill(partial[r], Float.NaN); // what no owner sent stays NaN, which params never are
            System.arraycopy(params, (int) owned[r][0], partial[r], (int) owned[r][0],
                    (int) (owned[r][1] - owned[r][0]));
        }
        List<float[]> gathered = onEveryRank(collective, (c, v) -> {
            c.allGather(v);
            return v;
        }, partial);
        for (int r = 0; r < size; r++) {
            assertArrayEquals(params, gathered.get(r), "rank " + r);
        }
    }

    private static FloatVector allReduce(Collective c, FloatVector v) {
        c.allReduce(v);
        return v;
    }

    private List<Collective> connect(CollectiveKind kind, int size, int hosts, Pieces.Sizes pieces) throws Exception {
        return connect(kind, size, hosts, pieces, TIMEOUT);
    }

    /** Rank r listens on 127.0.0.(1 + r mod hosts), and says it runs in a JVM of its own. */
    private List<Collective> connect(CollectiveKind kind, int size, int hosts, Pieces.Sizes pieces, Duration timeout)
            throws Exception {
        return threads.connect(kind, size, r -> "127.0.0." + (1 + r % hosts), r -> "jvm-" + r, pieces,
                WireFormat.FP32, timeout);
    }

    /** Runs {@code call} on every rank at once, each on its own copy of its input, and returns what each holds. */
    private List<float[]> onEveryRank(List<Collective> collective, BiFunction<Collective, FloatVector, FloatVector> call,
                                      float[][] inputs) throws Exception {
        return EveryRank.run(pool, collective.size(), r -> EveryRank.read(call.apply(collective.get(r),
                vector(inputs[r])), inputs[r].length));
    }

    /** Two segments of native memory: all but the last {@link #TAIL} floats, then those. */
    private static FloatVector vector(float[] values) {
        return EveryRank.twoSegments(values, Math.max(0, values.length - TAIL));
    }

    private static PeerFailureException failure(Future<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
        assertEquals(PeerFailureException.class, e.getCause().getClass(), e.getCause().toString());
        return (PeerFailureException) e.getCause();
    }
    /** Floats over many magnitudes, whose sums depend on the order of the additions. */
    private static float[][] randoms(int size, int n) {
        float[][] values = new float[size][n];
        for (int r = 0; r < size; r++) {
            SplittableRandom random = new SplittableRandom(100 + r);
            for (int i = 0; i < n; i++) {
                values[r][i] = (float) Math.scalb(random.nextDouble(-1, 1), random.nextInt(-12, 13));
            }
        }
        return values;
    }

    private static double[] magnitudes(float[][] values) {
        double[] sum = new double[values[0].length];
        for (float[] rank : values) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += Math.abs(rank[i]);
            }
        }
        return sum;
    }
}
