package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The collective tests' one way to make a call on every rank: each rank's call on its own thread, all at once (a
 * collective's ranks wait on each other, so they cannot run one after another), and each rank's result in rank
 * order. Also the vectors they call with (native memory in two segments, as a gradient view and its scalars are),
 * inputs whose sums are exact in any order, and the check that the ranks' owned ranges tile a vector.
 */
final class EveryRank {
    /** How long one rank's call may take: far above any call here, so that a hang fails the test, not stalls it. */
    static final long BOUND_SECONDS = 60;

    private EveryRank() {
    }

    /** One rank's call; {@code rank} indexes the test's list of ranks. */
    interface Call<T> {
        T run(int rank) throws Exception;
    }

    /** {@code call} on ranks 0 to size - 1 at once; their results by rank. A rank's exception fails the call. */
    static <T> List<T> run(ExecutorService pool, int size, Call<T> call) throws Exception {
        return run(pool, IntStream.range(0, size).boxed().toList(), call);
    }

    /**
     * {@code call} on every rank at once, the threads started in {@code startOrder} (a permutation of the ranks);
     * their results by rank.
     */
    static <T> List<T> run(ExecutorService pool, List<Integer> startOrder, Call<T> call) throws Exception {
        List<Future<T>> futures = new ArrayList<>(Collections.nCopies(startOrder.size(), null));
        for (int r : startOrder) {
            futures.set(r, pool.submit(() -> call.run(r)));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(BOUND_SECONDS, TimeUnit.SECONDS));
        }
        return results;
    }

    /** {@code values} in two segments of native memory: the first {@code head} floats, then the rest. */
    static FloatVector twoSegments(float[] values, int head) {
        ByteBuffer a = ByteBuffer.allocateDirect(head * Float.BYTES).order(ByteOrder.nativeOrder());
        ByteBuffer b = ByteBuffer.allocateDirect((values.length - head) * Float.BYTES).order(ByteOrder.nativeOrder());
        a.asFloatBuffer().put(values, 0, head);
        b.asFloatBuffer().put(values, head, values.length - head);
        return new FloatVector(a, b);
    }

    /** The first {@code n} floats of {@code v}. */
    static float[] read(FloatVector v, int n) {
        float[] out = new float[n];
        v.get(0, out, n);
        return out;
    }

    /** Whole numbers below 2^20 in magnitude: sums of up to 16 of them are exact floats in any order. */
    static float[][] integers(int size, int n, long seed) {
        float[][] values = new float[size][n];
        for (int r = 0; r < size; r++) {
            SplittableRandom random = new SplittableRandom(seed * 31 + r);
            for (int i = 0; i < n; i++) {
                values[r][i] = random.nextInt(-(1 << 20), 1 << 20);
            }
        }
        return values;
    }

    /** Summed as longs, then converted: exact, and computed independently of any float addition. */
    static float[] exactSum(float[][] values) {
        float[] sum = new float[values[0].length];
        for (int i = 0; i < sum.length; i++) {
            long s = 0;
            for (float[] rank : values) {
                s += (long) rank[i];
            }
            sum[i] = s;
        }
        return sum;
    }

    /** The owned ranges, one per rank, are disjoint, none is empty, and together they cover {@code [0, n)}. */
    static void assertTile(long[][] owned, long n) {
        long[][] sorted = owned.clone();
        Arrays.sort(sorted, (a, b) -> Long.compare(a[0], b[0]));
        long next = 0;
        for (long[] range : sorted) {
            assertEquals(next, range[0], "owned ranges " + Arrays.deepToString(owned));
            assertTrue(range[1] > range[0], "owned ranges " + Arrays.deepToString(owned));
            next = range[1];
        }
        assertEquals(n, next, "owned ranges " + Arrays.deepToString(owned));
    }
}
