package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * The torus over JVMs that each run as many ranks ({@link TorusCollective#connectJvms}, what {@code auto} and
 * {@code shared-memory} pick for executors with several cores): every rank sums its local chunk over its JVM in
 * rank order and takes part in the ring across JVMs for it, against the documented order of additions
 * ({@link Bf16CollectiveTest.Reference}, nothing rounded) bit for bit, on every rank. Ranks are threads that say
 * they run in different JVMs; rank r's host is 127.0.0.(1 + r mod 2).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JvmTorusTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    final RankThreads threads = new RankThreads();
    private final ExecutorService pool = threads.pool;

    @ParameterizedTest(name = "JVMs {0}, {1} floats, pieces of {2}")
    @CsvSource({
        // the JVM of each rank, the vector's length, floats per piece of a socket transfer
        "0 0 1 1,     1001,  64",
        "0 1 0 1,     1001,  64",
        "0 1 2 0 1 2, 4099,  100",
        "0 0 0 1 1 1, 70001, 8192",
        "0 1 0 1 0 1, 5,     64",   // fewer floats than ranks: empty chunks
    })
    void everyCallSumsInTheDocumentedOrderOnEveryRank(String jvmList, int n, int piece) throws Exception {
        String[] jvmOf = jvmList.split(" ");
        int size = jvmOf.length;
        List<Collective> ranks = connect(jvmOf, new Pieces.Sizes(piece, piece), WireFormat.FP32);
        assertTrue(ranks.get(0) instanceof TorusCollective, ranks.get(0).getClass().getSimpleName());
        HostGroups jvms = HostGroups.of(jvmOf);
        float[][] inputs = TorusCollectiveTest.randoms(new SplittableRandom(n + size), size, n);
        float[] expected = new Bf16CollectiveTest.Reference(jvms, true, true, n, 0).sum(inputs);

        for (float[] result : Bf16CollectiveTest.onEveryRank(pool, ranks, inputs, Collective::allReduce)) {
            assertTrue(Arrays.equals(expected, result), "all-reduce: not the documented order's bits");
        }
        List<float[]> scattered = Bf16CollectiveTest.onEveryRank(pool, ranks, inputs, Collective::reduceScatter);
        long covered = 0;
        for (int r = 0; r < size; r++) {
            int from = (int) ranks.get(r).ownedFrom(n);
            int to = (int) ranks.get(r).ownedTo(n);
            covered += to - from;
            assertTrue(Math.abs((to - from) - (double) n / size) < 1, "rank " + r + " owns [" + from + ", " + to + ")");
            assertArrayEquals(Arrays.copyOfRange(expected, from, to), Arrays.copyOfRange(scattered.get(r), from, to),
                    0f, "rank " + r + "'s owned range");
            for (Collective other : ranks) {
                assertEquals(from, other.ownedFrom(r, n), "rank " + r + "'s range on rank " + other.rank());
            }
        }
        assertEquals(n, covered, "the owned ranges' lengths");
        float[][] partial = new float[size][n];
        for (int r = 0; r < size; r++) {
            Arrays.fill(partial[r], Float.NaN); // what no owner sent stays NaN
            int from = (int) ranks.get(r).ownedFrom(n);
            System.arraycopy(inputs[0], from, partial[r], from, (int) ranks.get(r).ownedTo(n) - from);
        }
        for (float[] gathered : Bf16CollectiveTest.onEveryRank(pool, ranks, partial, Collective::allGather)) {
            assertArrayEquals(inputs[0], gathered, 0f, "all-gather");
        }
        for (int root = 0; root < size; root++) {
            int from = root;
            for (float[] result : Bf16CollectiveTest.onEveryRank(pool, ranks, inputs, (c, v) -> c.broadcast(v, from))) {
                assertArrayEquals(inputs[root], result, 0f, "broadcast from " + root);
            }
        }
    }

    /**
     * Per all-reduce no rank sends anything over a socket inside its JVM, and each sends {@code 2 (J-1)/J} of its
     * {@code 1/m} of the vector across JVMs (half those bytes for a bf16 gradient): a JVM's ranks share its traffic,
     * where a ring of leaders puts it all on one.
     */
    @Test
    void everyRankSendsItsShareAcrossJvmsAndNothingInside() throws Exception {
        int n = 60_000;
        String[] jvmOf = {"0", "1", "2", "0", "1", "2"}; // J = 3 JVMs of m = 2
        for (WireFormat wire : WireFormat.values()) {
            List<Collective> ranks = connect(jvmOf, new Pieces.Sizes(1000, 300), wire);
            Bf16CollectiveTest.onEveryRank(pool, ranks, TorusCollectiveTest.randoms(new SplittableRandom(1), 6, n),
                    (c, v) -> c.allReduceGradient(v, n - 2));
            double across = 2.0 * 2 / 3 * n / 2 * (wire == WireFormat.BF16 ? 2 : Float.BYTES);
            for (Collective c : ranks) {
                long[] sent = ((TorusCollective) c).bytesSent();
                assertEquals(0, sent[0], wire + ", rank " + c.rank() + " inside its JVM");
                assertEquals(across, sent[1], 2 * 3 * Float.BYTES + 8, wire + ", rank " + c.rank() + " across JVMs");
            }
        }
    }

    /** A rank that leaves fails every other rank, in its JVM and across, each in one line, well within the timeout. */
    @Test
    void aRankThatLeavesFailsItsJvmMatesAndItsRingPeers() throws Exception {
        String[] jvmOf = {"0", "0", "1", "1"};
        List<Collective> ranks = connect(jvmOf, new Pieces.Sizes(64, 64), WireFormat.FP32);
        List<Future<?>> calls = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            Collective c = ranks.get(r);
            calls.add(pool.submit(() -> {
                try (c) { // as a task does: its failure closes its collective
                    c.allReduce(Bf16Test.vector(new float[1001]));
                }
                return null;
            }));
        }
        // Local index 1 of JVM 1: its JVM-mate (rank 2) fails at the JVM's barrier, its ring peer (rank 1) on the
        // socket, rank 1's failure fails rank 0's JVM, and rank 2's closed sockets end rank 0's ring.
        ranks.get(3).close();
        for (int r = 0; r < 3; r++) {
            Future<?> f = calls.get(r);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
            assertEquals(PeerFailureException.class, e.getCause().getClass(), e.getCause().getMessage());
            assertFalse(e.getCause().getMessage().contains("\n"), e.getCause().getMessage());
        }
    }

    /**
     * A rank that never comes (rank 3, of JVM 1) fails the connect of every rank within the connect phase's one
     * deadline, each in one line: its ring peer (rank 2) names it, its JVM-mate (rank 1, whose ring connected) names
     * it by local index, and rank 2's JVM-mate (rank 0) hears that rank 2 left. The calls' timeout is an hour: a
     * wait that took a fresh one instead of the phase's deadline would hang past the test's limit.
     */
    @Test
    void aMissingRankFailsTheConnectWithinItsOneDeadline() throws Exception {
        String[] jvmOf = {"jvm-0", "jvm-1", "jvm-0", "jvm-1"};
        HostGroups jvms = HostGroups.of(jvmOf);
        ServerSocketChannel[] servers = new ServerSocketChannel[4];
        String[] addresses = new String[4];
        for (int r = 0; r < 4; r++) {
            String host = "127.0.0." + (1 + r % 2);
            servers[r] = PeerRing.listen(host, 4);
            addresses[r] = host + ":" + ((InetSocketAddress) servers[r].getLocalAddress()).getPort();
        }
        servers[3].close(); // rank 3 never runs: its address refuses connections
        Deadline connecting = Deadline.after(Duration.ofSeconds(3), () -> false);
        String stage = "missing " + System.nanoTime();
        List<Future<TorusCollective>> connects = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int rank = r;
            connects.add(pool.submit(() -> TorusCollective.connectJvms(rank, jvms, addresses, servers[rank],
                    WireSecret.of("s3cret"), stage, Duration.ofHours(1), connecting, () -> false,
                    new Pieces.Sizes(64, 64), WireFormat.FP32)));
        }
        try {
            // rank 0 hears of local rank 1 (rank 2) leaving, or times out waiting for it, at the same deadline
            Pattern[] names = {
                Pattern.compile(Pattern.quote("(JVM 0, whose local ranks are ranks [0, 2]): local rank 0: ")
                        + ".*rank 1 (left|of this JVM)"),
                Pattern.compile(Pattern.quote("(JVM 1, whose local ranks are ranks [1, 3]): local rank 0: timed out "
                        + "after PT3S waiting for rank 1 of this JVM")),
                Pattern.compile(Pattern.quote("rank 3 at " + addresses[3]))};
            for (int r = 0; r < 3; r++) {
                Future<TorusCollective> f = connects.get(r);
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS),
                        "rank " + r + " connected without rank 3");
                String message = e.getCause().getMessage();
                assertEquals(PeerFailureException.class, e.getCause().getClass(), message);
                assertFalse(message.contains("\n"), message);
                assertTrue(message.matches("rank " + r + "\\b.*"), message);
                assertTrue(names[r].matcher(message).find(),
                        "rank " + r + ": " + message);
                assertTrue(message.contains("within training.sync-timeout (PT3S)"), message);
            }
        } finally {
            for (ServerSocketChannel server : servers) {
                server.close();
            }
        }
        assertEquals(0, LocalGroups.forming(), "a group left forming");
    }

    private List<Collective> connect(String[] jvmOf, Pieces.Sizes pieces, WireFormat wire) throws Exception {
        return threads.connect(CollectiveKind.AUTO, jvmOf.length, r -> "127.0.0." + (1 + r % 2),
                r -> "jvm-" + jvmOf[r], pieces, wire, TIMEOUT);
    }
}
