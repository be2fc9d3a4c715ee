package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;

/**
 * A reduce-scatter over ranges that tile the vector (the overlapped step's buckets) leaves every owned range with
 * exactly the bits of one whole-vector reduce-scatter, on the in-memory collective, socket rings and the JVM level
 * (ranks of two JVMs: shared memory inside each, rings across them), for uneven
 * lengths and ranges both smaller and larger than a rank's owned range.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RangeReduceTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @ParameterizedTest(name = "{0} ranks, {1}, {2} floats")
    @CsvSource({
        "1, memory, 1003", "2, memory, 1003", "3, memory, 1003", "3, memory, 2",
        "1, ring, 1003", "2, ring, 1003", "3, ring, 1003", "3, ring, 2",
        "3, jvms, 1003", "4, jvms, 1003", "4, jvms, 3",
    })
    void rangesTilingTheVectorGiveTheWholeReduceScattersBits(int size, String kind, int n) throws Exception {
        float[][] inputs = inputs(size, n);
        long[] cuts = cuts(n, new Random(n + size));
        List<Collective> whole = connect(kind, size);
        List<float[]> expected;
        try {
            expected = Bf16CollectiveTest.onEveryRank(pool, whole, inputs, Collective::reduceScatter);
        } finally {
            whole.forEach(Collective::close);
        }
        List<Collective> ranged = connect(kind, size);
        List<float[]> actual;
        try {
            // the ranges in a scrambled, but common, order: the last ones first, as backward hands them over
            actual = Bf16CollectiveTest.onEveryRank(pool, ranged, inputs, (c, v) -> {
                for (int i = cuts.length - 2; i >= 0; i--) {
                    c.reduceScatter(v, cuts[i], cuts[i + 1]);
                }
            });
            for (int r = 0; r < size; r++) {
                Collective c = ranged.get(r);
                int from = (int) c.ownedFrom(n);
                int to = (int) c.ownedTo(n);
                assertArrayEquals(Arrays.copyOfRange(expected.get(r), from, to),
                        Arrays.copyOfRange(actual.get(r), from, to), 0f, "rank " + r + "'s owned sums");
            }
        } finally {
            ranged.forEach(Collective::close);
        }
    }

    /**
     * A bf16 ring cuts gradients: over three iterations (the error feedback's residual carried from one to the next),
     * the ranges give each owned range the whole call's bits; other vectors it reduces whole only, and says so.
     */
    @ParameterizedTest(name = "{0} ranks")
    @CsvSource({"2", "3"})
    void aBf16RingCutsGradientsWithTheWholeCallsBits(int size) throws Exception {
        int n = 1003;
        long gradient = n - 2; // the loss and the stop flag ride along as fp32
        long[] cuts = cuts(n, new Random(7 + size));
        List<Collective> whole = rings(size, WireFormat.BF16);
        List<Collective> ranged = rings(size, WireFormat.BF16);
        try {
            assertNotNull(ranged.get(0).rangesUnsupported());
            assertNull(ranged.get(0).gradientRangesUnsupported());
            assertThrows(UnsupportedOperationException.class,
                    () -> ranged.get(0).reduceScatter(Bf16Test.vector(new float[4]), 0, 2));
            for (int iteration = 0; iteration < 3; iteration++) {
                float[][] inputs = inputs(size + 10 * iteration, n);
                List<float[]> expected = Bf16CollectiveTest.onEveryRank(pool, whole, inputs,
                        (c, v) -> c.reduceScatterGradient(v, gradient));
                List<float[]> actual = Bf16CollectiveTest.onEveryRank(pool, ranged, inputs, (c, v) -> {
                    for (int i = cuts.length - 2; i >= 0; i--) {
                        c.reduceScatterGradient(v, gradient, cuts[i], cuts[i + 1]);
                    }
                });
                for (int r = 0; r < size; r++) {
                    int from = (int) ranged.get(r).ownedFrom(n);
                    int to = (int) ranged.get(r).ownedTo(n);
                    assertArrayEquals(Arrays.copyOfRange(expected.get(r), from, to),
                            Arrays.copyOfRange(actual.get(r), from, to), 0f,
                            "rank " + r + "'s owned sums, iteration " + iteration);
                }
            }
        } finally {
            whole.forEach(Collective::close);
            ranged.forEach(Collective::close);
        }
        assertNull(InMemoryCollective.group(2, Duration.ofSeconds(5)).get(0).gradientRangesUnsupported());
    }

    @Test
    void aRangeOutsideTheVectorFailsByName() {
        List<InMemoryCollective> group = InMemoryCollective.group(1, Duration.ofSeconds(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> group.get(0).reduceScatter(Bf16Test.vector(new float[4]), 2, 9));
        assertEquals("a reduce-scatter of [2, 9) in a vector of 4", e.getMessage());
    }

    /** Cut points 0 = c0 < c1 < ... = n, with ranges from 1 float to about half the vector. */
    static long[] cuts(int n, Random random) {
        List<Long> at = new ArrayList<>(List.of(0L));
        long last = 0;
        while (last < n) {
            last = Math.min(n, last + 1 + random.nextInt(Math.max(1, n / 2)));
            at.add(last);
        }
        return at.stream().mapToLong(Long::longValue).toArray();
    }

    private static float[][] inputs(int size, int n) {
        Random random = new Random(size * 31L + n);
        float[][] inputs = new float[size][n];
        for (float[] input : inputs) {
            for (int i = 0; i < n; i++) {
                input[i] = (float) random.nextGaussian() * (1 + random.nextInt(1000));
            }
        }
        return inputs;
    }

    /** A ring on loopback, each rank connected from its own thread, in pieces of 64 floats (many pieces per range). */
    private List<Collective> rings(int size, WireFormat wire) throws Exception {
        return connect(CollectiveKind.RING, size, r -> "jvm-" + r, wire);
    }

    /** Ranks connected from their own threads, rank r in JVM {@code jvm(r)}, in pieces of 64 floats. */
    private List<Collective> connect(CollectiveKind kind, int size, java.util.function.IntFunction<String> jvm,
                                     WireFormat wire) throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        List<Future<Collective>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            futures.add(pool.submit(() -> Collectives.connect(kind, rank, size, "127.0.0.1",
                    WireSecret.of("s3cret"), "ranges " + kind + " " + size, new JvmTags(exchange.forRank(rank),
                            jvm.apply(rank)), Duration.ofSeconds(30), () -> false, new Pieces.Sizes(64, 64), wire)));
        }
        List<Collective> connected = new ArrayList<>();
        for (Future<Collective> f : futures) {
            connected.add(f.get(30, TimeUnit.SECONDS));
        }
        return connected;
    }

    private List<Collective> connect(String kind, int size) throws Exception {
        if (kind.equals("memory")) {
            return new ArrayList<>(InMemoryCollective.group(size, Duration.ofSeconds(30)));
        }
        if (size == 1) {
            return List.of(RingCollective.single());
        }
        if (kind.equals("jvms")) { // ranks 0 and 1 in one JVM, 2 (and 3) in another: the JVM level
            List<Collective> jvms = connect(CollectiveKind.SHARED_MEMORY, size, r -> "jvm-" + Math.min(r / 2, 1),
                    WireFormat.FP32);
            // 2 + 1 ranks: a leader per JVM; 2 + 2: the torus over JVMs
            assertEquals(size == 3 ? JvmLevelCollective.class : TorusCollective.class, jvms.get(0).getClass());
            return jvms;
        }
        return rings(size, WireFormat.FP32);
    }
}
