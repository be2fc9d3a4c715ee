package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection to a rank's ring port that never greets it (a port scanner, a stale client) must not keep the
 * real previous rank out until the sync timeout.
 */
class StrayConnectionTest {
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(20);

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final Socket stray = new Socket();

    @AfterEach
    void stop() throws Exception {
        stray.close();
        pool.shutdownNow();
    }

    @Test
    @Timeout(40)
    void aSilentStrayAheadOfThePreviousRankIsDroppedAndTheRingForms() throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(2);
        PeerRing.AddressExchange rank1Exchange = message -> {
            String[] addresses = exchange.forRank(1).allGather(message);
            // Before rank 1 dials rank 0, so that rank 0 accepts the stray first.
            int colon = addresses[0].lastIndexOf(':');
            try {
                stray.connect(new InetSocketAddress(addresses[0].substring(0, colon),
                        Integer.parseInt(addresses[0].substring(colon + 1))), 5000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return addresses;
        };
        Future<RingCollective> rank1 = pool.submit(() -> PeerRing.connect(1, 2, "127.0.0.1", "s3cret", rank1Exchange,
                SYNC_TIMEOUT, () -> false));
        try (RingCollective ring0 = PeerRing.connect(0, 2, "127.0.0.1", "s3cret", exchange.forRank(0), SYNC_TIMEOUT,
                () -> false);
             RingCollective ring1 = rank1.get()) {
            InputStream fromRank0 = stray.getInputStream();
            assertEquals(-1, fromRank0.read(), "rank 0 should have closed the stray connection");

            Future<float[]> sum1 = pool.submit(() -> sum(ring1, 2f));
            assertArrayEquals(new float[] {3f}, sum(ring0, 1f));
            assertArrayEquals(new float[] {3f}, sum1.get());
        }
    }

    private static float[] sum(RingCollective ring, float value) {
        ByteBuffer b = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder()).putFloat(0, value);
        ring.allReduce(new FloatVector(b));
        return new float[] {b.getFloat(0)};
    }
}
