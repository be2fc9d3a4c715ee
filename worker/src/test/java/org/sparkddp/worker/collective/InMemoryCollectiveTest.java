package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The in-memory collective keeps the contract the step rules rely on, and its waits are bounded. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class InMemoryCollectiveTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void allReduceReduceScatterAllGatherAndBroadcast() throws Exception {
        int size = 3;
        int n = 1001;
        List<InMemoryCollective> group = InMemoryCollective.group(size, Duration.ofSeconds(10));
        List<Future<float[][]>> futures = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            InMemoryCollective c = group.get(r);
            futures.add(pool.submit(() -> {
                float[] mine = new float[n];
                java.util.Arrays.fill(mine, c.rank() + 1);
                FloatVector v = vector(mine);
                c.allReduce(v);
                float[] summed = read(v, n);
                FloatVector w = vector(mine);
                c.reduceScatter(w);
                float[] scattered = read(w, n);
                c.broadcast(w, 2); // rank 2's partly reduced vector, to everyone
                return new float[][] {summed, scattered, read(w, n)};
            }));
        }
        List<float[][]> results = new ArrayList<>();
        for (Future<float[][]> f : futures) {
            results.add(f.get(20, TimeUnit.SECONDS));
        }
        float[] six = new float[n];
        java.util.Arrays.fill(six, 6f);
        long covered = 0;
        for (int r = 0; r < size; r++) {
            assertArrayEquals(six, results.get(r)[0], "all-reduce on rank " + r);
            long from = group.get(r).ownedFrom(n);
            long to = group.get(r).ownedTo(n);
            covered += to - from;
            for (long i = from; i < to; i++) {
                assertEquals(6f, results.get(r)[1][(int) i], "rank " + r + "'s owned float " + i);
            }
            assertArrayEquals(results.get(2)[1], results.get(r)[2], "broadcast on rank " + r);
        }
        assertEquals(n, covered);
    }

    @Test
    void aRankThatClosesFailsTheOthersAndASilentOneTimesOut() throws Exception {
        List<InMemoryCollective> group = InMemoryCollective.group(3, Duration.ofMillis(500));
        Future<?> waiting = pool.submit(() -> group.get(0).allReduce(vector(new float[4])));
        ExecutionException silent = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertTrue(silent.getCause().getMessage().contains("timed out after PT0.5S"), silent.getCause().getMessage());

        List<InMemoryCollective> other = InMemoryCollective.group(2, Duration.ofSeconds(60));
        Future<?> left = pool.submit(() -> other.get(0).allReduce(vector(new float[4])));
        other.get(1).close();
        ExecutionException closed = assertThrows(ExecutionException.class, () -> left.get(10, TimeUnit.SECONDS));
        assertEquals(PeerFailureException.class, closed.getCause().getClass());
    }

    private static FloatVector vector(float[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return new FloatVector(b);
    }

    private static float[] read(FloatVector v, int n) {
        float[] out = new float[n];
        v.slice(0, n)[0].order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
        return out;
    }
}
