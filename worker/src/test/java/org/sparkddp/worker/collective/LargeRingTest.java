package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;
import static org.sparkddp.worker.collective.EveryRank.assertTile;
import static org.sparkddp.worker.collective.EveryRank.exactSum;
import static org.sparkddp.worker.collective.EveryRank.integers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rings of 3 and 4 ranks (threads, over loopback, set up by {@link PeerRing}) summing vectors of 16 MB: each
 * rank pushes 21 to 24 MB through its link per sum, more than the link's socket buffers (4 MB asked for at each
 * end) hold, so ranks wait on each other's reads and writes. Results are compared bit for bit with expectations
 * computed here, not by the ring.
 */
class LargeRingTest {
    private static final int FLOATS_16_MB = 4 << 20;
    /** 4,194,311 floats: neither 3 nor 4 divides it, so the ranks' chunks differ in length. */
    private static final int ODD = FLOATS_16_MB + 7;
    /** Each vector is a long segment and a short one, as a gradient view plus a few scalars are. */
    private static final int TAIL = 7;

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Rank> ranks = new ArrayList<>();

    /** One rank: its end of the ring and its vector, two segments of native memory. */
    private static final class Rank {
        final RingCollective ring;
        final ByteBuffer head;
        final ByteBuffer tail;
        final int n;

        Rank(RingCollective ring, int n) {
            this.ring = ring;
            this.n = n;
            head = ByteBuffer.allocateDirect((n - TAIL) * Float.BYTES).order(ByteOrder.nativeOrder());
            tail = ByteBuffer.allocateDirect(TAIL * Float.BYTES).order(ByteOrder.nativeOrder());
        }

        FloatVector load(float[] values) {
            head.clear().asFloatBuffer().put(values, 0, n - TAIL);
            tail.clear().asFloatBuffer().put(values, n - TAIL, TAIL);
            return new FloatVector(head, tail);
        }

        float[] read() {
            float[] out = new float[n];
            head.clear().asFloatBuffer().get(out, 0, n - TAIL);
            tail.clear().asFloatBuffer().get(out, n - TAIL, TAIL);
            return out;
        }
    }

    @AfterEach
    void stop() {
        ranks.forEach(r -> r.ring.close());
        pool.shutdownNow();
    }

    static Stream<Arguments> rings() {
        return Stream.of(arguments(3, FLOATS_16_MB), arguments(3, ODD), arguments(4, FLOATS_16_MB),
                arguments(4, ODD));
    }

    @ParameterizedTest(name = "{0} ranks, {1} floats")
    @MethodSource("rings")
    @Timeout(120)
    void sumIsExactOnEveryRank(int size, int n) throws Exception {
        connect(size, n);
        float[][] inputs = integers(size, n, 1);
        float[] expected = exactSum(inputs);
        assertSumOnEveryRank(inputs, expected);
    }

    /**
     * With floats whose sum depends on the order of the additions, every rank still gets the same bits: chunk
     * {@code c} starts at rank {@code c} and each rank after it around the ring adds its own values, so the
     * result is that order's sum, whichever rank reads it.
     */
    @ParameterizedTest(name = "{0} ranks, {1} floats")
    @MethodSource("rings")
    @Timeout(120)
    void sumOfInexactFloatsAddsEachChunkInRingOrder(int size, int n) throws Exception {
        connect(size, n);
        float[][] inputs = new float[size][n];
        for (int r = 0; r < size; r++) {
            SplittableRandom random = new SplittableRandom(100 + r);
            for (int i = 0; i < n; i++) {
                inputs[r][i] = (float) Math.scalb(random.nextDouble(-1, 1), random.nextInt(-12, 13));
            }
        }
        float[] expected = new float[n];
        int orderMatters = 0;
        for (int c = 0; c < size; c++) {
            for (int i = (int) ((long) n * c / size); i < (int) ((long) n * (c + 1) / size); i++) {
                float ring = inputs[c][i];
                float byRank = inputs[0][i];
                for (int k = 1; k < size; k++) {
                    ring += inputs[(c + k) % size][i];
                    byRank += inputs[k][i];
                }
                expected[i] = ring;
                orderMatters += Float.floatToIntBits(ring) != Float.floatToIntBits(byRank) ? 1 : 0;
            }
        }
        // Else this test could not tell ring order from any other.
        assertTrue(orderMatters > n / 100, "only " + orderMatters + " sums depend on the order");
        assertSumOnEveryRank(inputs, expected);
    }

    /** Sums each rank's input around the ring and checks that every rank holds exactly {@code expected}. */
    private void assertSumOnEveryRank(float[][] inputs, float[] expected) throws Exception {
        List<float[]> results = onEveryRank(rank -> {
            rank.ring.allReduce(rank.load(inputs[rank.ring.rank()]));
            return rank.read();
        });
        for (int r = 0; r < inputs.length; r++) {
            assertArrayEquals(expected, results.get(r), "rank " + r);
        }
    }

    /**
     * The sharded optimizer's pair on one ring: reduce-scatter leaves the full sum in each rank's owned chunk, the
     * owned chunks tile the vector, and all-gather of another vector, set only in each owner's chunk, gives every
     * rank all of it.
     */
    @ParameterizedTest(name = "{0} ranks, {1} floats")
    @MethodSource("rings")
    @Timeout(120)
    void reduceScatterThenAllGatherOfAnotherVector(int size, int n) throws Exception {
        connect(size, n);
        float[][] gradients = integers(size, n, 2);
        float[] sum = exactSum(gradients);
        List<float[]> reduced = onEveryRank(rank -> {
            rank.ring.reduceScatter(rank.load(gradients[rank.ring.rank()]));
            return rank.read();
        });
        long[][] owned = new long[size][];
        for (int r = 0; r < size; r++) {
            RingCollective ring = ranks.get(r).ring;
            owned[r] = new long[] {ring.ownedFrom(n), ring.ownedTo(n)};
            int from = (int) owned[r][0];
            int to = (int) owned[r][1];
            assertArrayEquals(Arrays.copyOfRange(sum, from, to), Arrays.copyOfRange(reduced.get(r), from, to),
                    "rank " + r + "'s owned chunk");
        }
        assertTile(owned, n);

        float[] params = new float[n];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            params[i] = (float) random.nextGaussian();
        }
        List<float[]> gathered = onEveryRank(rank -> {
            float[] mine = new float[n];
            Arrays.fill(mine, Float.NaN); // what no owner sent stays NaN, which params never are
            int from = (int) rank.ring.ownedFrom(n);
            int to = (int) rank.ring.ownedTo(n);
            System.arraycopy(params, from, mine, from, to - from);
            rank.ring.allGather(rank.load(mine));
            return rank.read();
        });
        for (int r = 0; r < size; r++) {
            assertArrayEquals(params, gathered.get(r), "rank " + r);
        }
    }
    /** Whole numbers below 2^20 in magnitude: sums of up to 16 of them are exact floats in any order. */
    /** Summed as longs, then converted: exact, and computed independently of any float addition. */
    private void connect(int size, int n) throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        List<Future<RingCollective>> rings = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            rings.add(pool.submit(() -> PeerRing.connect(rank, size, "127.0.0.1", "s3cret", exchange.forRank(rank),
                    Duration.ofSeconds(30), () -> false)));
        }
        for (Future<RingCollective> ring : rings) {
            ranks.add(new Rank(ring.get(), n));
        }
    }

    /** Runs {@code call} on every rank at once, each in its own thread, and returns what each returned. */
    private List<float[]> onEveryRank(Function<Rank, float[]> call) throws Exception {
        return EveryRank.run(pool, ranks.size(), r -> call.apply(ranks.get(r)));
    }
}
