package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.CollectiveKind;

/**
 * The shared-memory collective as training tasks get it (through {@link Collectives#connect} and
 * {@link LocalGroups}): its sums are the rank-order sums, bit for bit, whatever order the ranks' threads start in;
 * a rank that never arrives, or whose task is cancelled, fails the others with one line and within the timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SharedMemoryCollectiveTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @ParameterizedTest
    @CsvSource({
        "1, 1", "1, 1001",
        "2, 1", "2, 7", "2, 1001",
        "3, 2", "3, 1001", "3, 49153", // 49153: more than one block of the sum per rank, and not a multiple of 3
        "4, 3", "4, 1001", "4, 65539",
    })
    void sumsAreTheRankOrderSumsBitForBitWhateverOrderTheThreadsStart(int size, int n) throws Exception {
        Random random = new Random(31L * size + n);
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                // Mixed magnitudes, so that another order of additions would give other bits.
                input[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
        }
        float[] reference = new float[n];
        for (int i = 0; i < n; i++) {
            float s = inputs[0][i];
            for (int k = 1; k < size; k++) {
                s += inputs[k][i];
            }
            reference[i] = s;
        }
        for (int trial = 0; trial < 3; trial++) {
            List<Collective> group = LocalGroupsTestSupport.join("sums " + size + " " + n + " " + trial, size,
                    Duration.ofSeconds(30), () -> false);
            List<float[][]> results = onEveryRankInRandomOrder(group, random, (c, r) -> {
                FloatVector reduced = vector(inputs[r]);
                c.allReduce(reduced);
                FloatVector scattered = vector(inputs[r]);
                c.reduceScatter(scattered);
                c.allGather(scattered); // gathers the owners' sums: the all-reduce again, in two calls
                return new float[][] {read(reduced, n), read(scattered, n)};
            });
            for (int r = 0; r < size; r++) {
                assertBitwiseEqual(reference, results.get(r)[0], "all-reduce on rank " + r + " of " + size);
                assertBitwiseEqual(reference, results.get(r)[1], "reduce-scatter + all-gather on rank " + r);
            }
            assertEquals(0, LocalGroups.forming(), "a group left forming");
        }
    }

    @Test
    void ownedRangesPartitionTheVectorAndBroadcastCopiesTheRoot() throws Exception {
        int size = 3;
        int n = 1001;
        List<Collective> group = LocalGroupsTestSupport.join("broadcast", size, Duration.ofSeconds(30), () -> false);
        long next = 0;
        for (int r = 0; r < size; r++) {
            assertEquals(next, group.get(r).ownedFrom(n));
            next = group.get(r).ownedTo(n);
        }
        assertEquals(n, next);
        List<float[][]> results = onEveryRankInRandomOrder(group, new Random(5), (c, r) -> {
            float[] mine = new float[n];
            java.util.Arrays.fill(mine, r + 1);
            FloatVector v = vector(mine);
            c.broadcast(v, 1);
            return new float[][] {read(v, n)};
        });
        float[] two = new float[n];
        java.util.Arrays.fill(two, 2f);
        for (int r = 0; r < size; r++) {
            assertBitwiseEqual(two, results.get(r)[0], "broadcast on rank " + r);
        }
    }

    @Test
    void aRankThatNeverArrivesFailsTheOthersWithinTheTimeoutInOneLine() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        List<Future<?>> waiting = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            waiting.add(pool.submit(() -> {
                // rank 2 of 3 never joins
                try (Collective c = LocalGroups.join("never arrives", rank, 3, timeout, () -> false)) {
                    c.allReduce(vector(new float[5]));
                }
                return null;
            }));
        }
        for (Future<?> f : waiting) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
            String message = e.getCause().getMessage();
            assertEquals(PeerFailureException.class, e.getCause().getClass(), message);
            assertTrue(message.contains("rank 2"), message);
            assertTrue(message.contains("timed out after PT0.5S"), message);
            assertFalse(message.contains("\n"), message);
        }
    }

    @Test
    void aCancelledTaskFailsItsPeersAtOnceNamingIt() throws Exception {
        AtomicBoolean cancelled = new AtomicBoolean();
        Duration longTimeout = Duration.ofMinutes(10); // the test's own timeout fails it long before this
        Collective cancelledRank = LocalGroups.join("cancelled", 0, 2, longTimeout, cancelled::get);
        Collective peer = LocalGroups.join("cancelled", 1, 2, longTimeout, () -> false);
        Future<?> first = pool.submit(() -> {
            cancelledRank.allReduce(vector(new float[3]));
            cancelledRank.allReduce(vector(new float[3])); // rank 1 does not make this call yet
            return null;
        });
        peer.allReduce(vector(new float[3]));
        cancelled.set(true); // Spark kills rank 0's task while it waits for rank 1
        ExecutionException killed = assertThrows(ExecutionException.class, () -> first.get(20, TimeUnit.SECONDS));
        assertEquals("rank 0: task cancelled during all-reduce", killed.getCause().getMessage());
        PeerFailureException failed = assertThrows(PeerFailureException.class,
                () -> peer.allReduce(vector(new float[3])));
        assertEquals("rank 1: rank 0: task cancelled during all-reduce", failed.getMessage());
        cancelledRank.close();
        peer.close();
        assertEquals(0, LocalGroups.forming());
    }

    @Test
    void aRankThatClosesAfterTheLastCallNeverFailsAPeerStillReturning() throws Exception {
        for (int trial = 0; trial < 50; trial++) {
            List<Collective> group = LocalGroupsTestSupport.join("close " + trial, 2, Duration.ofSeconds(30),
                    () -> false);
            onEveryRankInRandomOrder(group, new Random(trial), (c, r) -> {
                FloatVector v = vector(new float[] {r, r + 1});
                c.allReduce(v);
                c.close(); // at once, while the other rank may not have left the last barrier yet
                return new float[][] {read(v, 2)};
            });
        }
    }

    @Test
    void autoAndSharedMemoryShareMemoryOnlyWhenEveryRankRunsInThisJvm() throws Exception {
        assertTrue(connect(CollectiveKind.AUTO, 3, i -> "one-jvm").get(0) instanceof InMemoryCollective);
        assertTrue(connect(CollectiveKind.SHARED_MEMORY, 2, i -> "one-jvm").get(1) instanceof InMemoryCollective);
        // Ranks 0 and 1 share a JVM, rank 2 runs in another: a level per JVM under a ring of the JVMs' leaders.
        assertTrue(connect(CollectiveKind.AUTO, 3, i -> i < 2 ? "a" : "b").get(2) instanceof JvmLevelCollective);
        assertTrue(connect(CollectiveKind.SHARED_MEMORY, 3, i -> i < 2 ? "a" : "b").get(0)
                instanceof JvmLevelCollective);
        // No two ranks share a JVM: the socket collectives, as before.
        assertTrue(connect(CollectiveKind.SHARED_MEMORY, 2, i -> "jvm-" + i).get(0) instanceof RingCollective);
        assertTrue(connect(CollectiveKind.AUTO, 2, i -> "jvm-" + i).get(0) instanceof RingCollective);
        // Explicit socket collectives keep their meaning in one JVM.
        assertTrue(connect(CollectiveKind.RING, 2, i -> "one-jvm").get(0) instanceof RingCollective);
        assertTrue(connect(CollectiveKind.HIERARCHICAL, 2, i -> "one-jvm").get(0) instanceof TorusCollective);
        assertEquals(0, LocalGroups.forming());
    }

    @ParameterizedTest
    @CsvSource({
        // JVM of each rank (its host is 127.0.0.(1 + JVM)), vector length, floats per piece of a socket transfer
        "0 0 1,       1001,  64",
        "0 1 0 1 2,   4099,  100",
        "1 0 0 1 2,   70001, 8192",
    })
    void aLevelPerJvmSumsAsTheHostHierarchyWithTheSameGroups(String jvmOfRank, int n, int piece) throws Exception {
        int[] jvmOf = java.util.Arrays.stream(jvmOfRank.split(" ")).mapToInt(Integer::parseInt).toArray();
        int size = jvmOf.length;
        Pieces.Sizes pieces = new Pieces.Sizes(piece, piece);
        Random random = new Random(n);
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                input[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
        }
        // The same unequal groups (equal ones get the torus over JVMs: JvmTorusTest), once as JVMs sharing memory
        // and once as hosts over sockets (one JVM per rank), under the host leaders' scheme.
        List<Collective> jvmLevel = connect(CollectiveKind.AUTO, size, r -> "127.0.0.1", r -> "jvm-" + jvmOf[r],
                pieces);
        List<Collective> hosts = hostLeaders(size, r -> "127.0.0." + (1 + jvmOf[r]), pieces);
        assertTrue(jvmLevel.get(0) instanceof JvmLevelCollective);
        RankCall calls = (c, r) -> {
            FloatVector reduced = vector(inputs[r]);
            c.allReduce(reduced);
            FloatVector scattered = vector(inputs[r]);
            c.reduceScatter(scattered);
            float[] owned = java.util.Arrays.copyOfRange(read(scattered, n), (int) c.ownedFrom(n), (int) c.ownedTo(n));
            c.allGather(scattered);
            FloatVector broadcast = vector(inputs[r]);
            c.broadcast(broadcast, size - 1);
            return new float[][] {read(reduced, n), owned, read(scattered, n), read(broadcast, n)};
        };
        List<float[][]> expected = onEveryRankInRandomOrder(hosts, random, calls);
        List<float[][]> actual = onEveryRankInRandomOrder(jvmLevel, random, calls);
        String[] what = {"all-reduce", "reduce-scatter's owned range", "all-gather", "broadcast"};
        for (int r = 0; r < size; r++) {
            assertEquals(hosts.get(r).ownedFrom(n), jvmLevel.get(r).ownedFrom(n), "rank " + r + "'s owned range");
            assertEquals(hosts.get(r).ownedTo(n), jvmLevel.get(r).ownedTo(n), "rank " + r + "'s owned range");
            for (int k = 0; k < what.length; k++) {
                assertBitwiseEqual(expected.get(r)[k], actual.get(r)[k], what[k] + " on rank " + r);
            }
        }
        assertBitwiseEqual(expected.get(0)[0], actual.get(size - 1)[0], "all-reduce, rank 0 against the last");
        jvmLevel.forEach(Collective::close);
        hosts.forEach(Collective::close);
        assertEquals(0, LocalGroups.forming());
    }

    @Test
    void aJvmWhoseLeaderLosesTheRingFailsAllItsRanks() throws Exception {
        // Ranks 0 and 1 share a JVM (0 leads it); rank 2, alone in another JVM, goes away instead of calling.
        List<Collective> ranks = connect(CollectiveKind.AUTO, 3, r -> "127.0.0.1", r -> r < 2 ? "a" : "b",
                new Pieces.Sizes(RingCollective.PIECE_FLOATS, RingCollective.BROADCAST_PIECE_FLOATS));
        List<Future<?>> calls = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Collective c = ranks.get(r);
            calls.add(pool.submit(() -> {
                try (c) {
                    c.allReduce(vector(new float[1001]));
                }
                return null;
            }));
        }
        ranks.get(2).close();
        for (int r = 0; r < 2; r++) {
            Future<?> f = calls.get(r);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
            assertEquals(PeerFailureException.class, e.getCause().getClass(), e.getCause().getMessage());
            assertTrue(e.getCause().getMessage().startsWith("rank " + r + ": "), e.getCause().getMessage());
            assertFalse(e.getCause().getMessage().contains("\n"), e.getCause().getMessage());
        }
        assertEquals(0, LocalGroups.forming());
    }

    /** Connects {@code size} ranks on 127.0.0.1, rank {@code r} saying it runs in JVM {@code jvm(r)}. */
    private List<Collective> connect(CollectiveKind kind, int size, java.util.function.IntFunction<String> jvm)
            throws Exception {
        List<Collective> connected = connect(kind, size, r -> "127.0.0.1", jvm,
                new Pieces.Sizes(RingCollective.PIECE_FLOATS, RingCollective.BROADCAST_PIECE_FLOATS));
        // Every rank gets the same kind; check it works once, then close them all.
        onEveryRankInRandomOrder(connected, new Random(1), (c, r) -> {
            FloatVector v = vector(new float[] {r});
            c.allReduce(v);
            assertEquals(size * (size - 1) / 2f, read(v, 1)[0]);
            return new float[0][];
        });
        connected.forEach(Collective::close);
        return connected;
    }

    /** Connects {@code size} ranks, rank {@code r} on {@code host(r)} saying it runs in JVM {@code jvm(r)}. */
    private List<Collective> connect(CollectiveKind kind, int size, java.util.function.IntFunction<String> host,
                                     java.util.function.IntFunction<String> jvm, Pieces.Sizes pieces) throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        List<Future<Collective>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            futures.add(pool.submit(() -> Collectives.connect(kind, rank, size, host.apply(rank), WireSecret.of("s3cret"), "test",
                    new JvmTags(exchange.forRank(rank), jvm.apply(rank)), Duration.ofSeconds(30), () -> false,
                    pieces)));
        }
        List<Collective> connected = new ArrayList<>();
        for (Future<Collective> f : futures) {
            connected.add(f.get(30, TimeUnit.SECONDS));
        }
        return connected;
    }

    /** The host leaders' scheme ({@link HierarchicalCollective}) whatever the hosts, rank r on {@code host(r)}. */
    private List<Collective> hostLeaders(int size, java.util.function.IntFunction<String> host, Pieces.Sizes pieces)
            throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        List<Future<Collective>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                try (java.nio.channels.ServerSocketChannel server = PeerRing.listen(host.apply(rank), size)) {
                    String[] addresses = PeerRing.exchange(server, host.apply(rank), rank, size,
                            exchange.forRank(rank));
                    return HierarchicalCollective.connect(rank, HostGroups.of(addresses), addresses, server,
                            WireSecret.of("s3cret"), Duration.ofSeconds(30), () -> false, pieces,
                            org.sparkddp.common.config.WireFormat.FP32);
                }
            }));
        }
        List<Collective> connected = new ArrayList<>();
        for (Future<Collective> f : futures) {
            connected.add(f.get(30, TimeUnit.SECONDS));
        }
        return connected;
    }

    private interface RankCall {
        float[][] run(Collective c, int rank) throws Exception;
    }

    /** Starts one thread per rank, in a random order with random delays, and returns each rank's result. */
    private List<float[][]> onEveryRankInRandomOrder(List<Collective> group, Random random, RankCall call)
            throws Exception {
        List<Integer> order = new ArrayList<>();
        for (int r = 0; r < group.size(); r++) {
            order.add(r);
        }
        Collections.shuffle(order, random);
        int[] delayMicros = new int[group.size()];
        for (int r : order) {
            delayMicros[r] = random.nextInt(3000);
        }
        return EveryRank.run(pool, order, r -> {
            TimeUnit.MICROSECONDS.sleep(delayMicros[r]);
            return call.run(group.get(r), r);
        });
    }

    private static void assertBitwiseEqual(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": float " + i + " is " + actual[i] + ", not " + expected[i]);
            }
        }
    }

    /** A vector of two segments (the gradient view plus a scalar tail, as the step rules have it). */
    private static FloatVector vector(float[] values) {
        return EveryRank.twoSegments(values, Math.min(values.length / 2 + 1, values.length));
    }

    private static float[] read(FloatVector v, int n) {
        return EveryRank.read(v, n);
    }

    /** Joins {@code size} ranks to one group from this thread, as the ranks' tasks do from theirs. */
    private static final class LocalGroupsTestSupport {
        static List<Collective> join(String key, int size, Duration timeout, java.util.function.BooleanSupplier cancelled) {
            List<Collective> ranks = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                ranks.add(LocalGroups.join(key, r, size, timeout, cancelled));
            }
            return ranks;
        }
    }
}
