package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ranks are threads here; in Spark they are the tasks of a barrier stage. */
class RingCollectiveTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Stands in for BarrierTaskContext.allGather. */
    static final class InMemoryExchange implements PeerRing.AddressExchange {
        private final String[] slots;
        private final CyclicBarrier barrier;
        private final ThreadLocal<Integer> rank = new ThreadLocal<>();

        InMemoryExchange(int size) {
            slots = new String[size];
            barrier = new CyclicBarrier(size);
        }

        PeerRing.AddressExchange forRank(int r) {
            return message -> {
                rank.set(r);
                slots[r] = message;
                try {
                    barrier.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return slots.clone();
            };
        }

        @Override
        public String[] allGather(String message) {
            throw new UnsupportedOperationException("use forRank");
        }
    }

    private static ByteBuffer floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return b;
    }

    private static float[] read(ByteBuffer b) {
        float[] out = new float[b.capacity() / 4];
        b.duplicate().order(ByteOrder.nativeOrder()).clear().asFloatBuffer().get(out);
        return out;
    }

    private List<RingCollective> connect(int size, Duration timeout) throws Exception {
        InMemoryExchange exchange = new InMemoryExchange(size);
        List<Future<RingCollective>> rings = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            rings.add(pool.submit(() -> PeerRing.connect(rank, size, "127.0.0.1", "s3cret", exchange.forRank(rank), timeout,
                    () -> false)));
        }
        List<RingCollective> out = new ArrayList<>();
        for (Future<RingCollective> f : rings) {
            out.add(f.get(20, TimeUnit.SECONDS));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void sumsEveryElementAndEveryRankGetsTheSameBits(int size) throws Exception {
        int mainLength = 10_007;
        Random random = new Random(size);
        float[][] main = new float[size][mainLength];
        float[][] extra = new float[size][3];
        double[] expected = new double[mainLength + 3];
        for (int r = 0; r < size; r++) {
            for (int i = 0; i < mainLength; i++) {
                main[r][i] = (float) random.nextGaussian();
                expected[i] += main[r][i];
            }
            for (int i = 0; i < 3; i++) {
                extra[r][i] = r + i;
                expected[mainLength + i] += extra[r][i];
            }
        }
        List<RingCollective> rings = connect(size, Duration.ofSeconds(10));
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                ByteBuffer a = floats(main[rank]);
                ByteBuffer b = floats(extra[rank]);
                try (RingCollective ring = rings.get(rank)) {
                    for (int repeat = 0; repeat < 3; repeat++) { // the same ring serves many iterations
                        if (repeat > 0) {
                            a.clear();
                            a.asFloatBuffer().put(main[rank]);
                            b.clear();
                            b.asFloatBuffer().put(extra[rank]);
                        }
                        ring.allReduce(new FloatVector(a, b));
                    }
                }
                float[] all = new float[mainLength + 3];
                System.arraycopy(read(a), 0, all, 0, mainLength);
                System.arraycopy(read(b), 0, all, mainLength, 3);
                return all;
            }));
        }
        float[] first = results.get(0).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], first[i], 1e-4, "element " + i);
        }
        for (int r = 1; r < size; r++) {
            assertArrayEquals(first, results.get(r).get(30, TimeUnit.SECONDS), 0f, "rank " + r + " differs");
        }
    }

    @Test
    void aVectorShorterThanTheRingStillWorks() throws Exception {
        List<RingCollective> rings = connect(3, Duration.ofSeconds(10));
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                ByteBuffer a = floats(new float[] {rank + 1f});
                try (RingCollective ring = rings.get(rank)) {
                    ring.allReduce(new FloatVector(a));
                }
                return read(a);
            }));
        }
        for (Future<float[]> f : results) {
            assertArrayEquals(new float[] {6f}, f.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aPeerThatDiesFailsTheOthersPromptlyInsteadOfHanging() throws Exception {
        List<RingCollective> rings = connect(3, Duration.ofSeconds(60));
        rings.get(2).close(); // its task failed or its executor died: the OS closes its sockets
        List<Future<?>> calls = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int rank = r;
            calls.add(pool.submit(() -> rings.get(rank).allReduce(new FloatVector(floats(new float[1000])))));
        }
        for (Future<?> call : calls) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof PeerFailureException, e.getCause().toString());
            // Promptly: the closed sockets fail the call, not the 60 s timeout.
            assertFalse(e.getCause().getMessage().contains("timed out"), e.getCause().getMessage());
        }
    }

    @Test
    void aSilentPeerFailsTheCallAfterTheTimeout() throws Exception {
        List<RingCollective> rings = connect(2, Duration.ofMillis(300));
        // Rank 1 is alive but never joins the all-reduce.
        PeerFailureException e = assertThrows(PeerFailureException.class,
                () -> rings.get(0).allReduce(new FloatVector(floats(new float[10]))));
        assertTrue(e.getMessage().contains("timed out after PT0.3S waiting for data from"), e.getMessage());
        rings.forEach(RingCollective::close);
    }

    @Test
    void cancellationStopsAWait() throws Exception {
        InMemoryExchange exchange = new InMemoryExchange(2);
        Future<RingCollective> other = pool.submit(() -> PeerRing.connect(1, 2, "127.0.0.1", "s3cret", exchange.forRank(1),
                Duration.ofSeconds(60), () -> false));
        java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
        RingCollective ring = PeerRing.connect(0, 2, "127.0.0.1", "s3cret", exchange.forRank(0), Duration.ofSeconds(60),
                killed::get);
        killed.set(true); // Spark killed the task while it waits for a peer that never sends
        PeerFailureException e = assertThrows(PeerFailureException.class,
                () -> ring.allReduce(new FloatVector(floats(new float[10]))));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
        ring.close();
        other.get(10, TimeUnit.SECONDS).close();
    }
}
