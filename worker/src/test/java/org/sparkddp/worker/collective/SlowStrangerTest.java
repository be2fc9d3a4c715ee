package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stranger that connects and sends nothing, and one that trickles a hello one byte a second, reach rank 0's port
 * ahead of rank 1: their handshakes run beside the peer's, so the ring forms and sums as if they were not there,
 * and each is dropped no later than the handshake's bound.
 */
class SlowStrangerTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Socket> strangers = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Socket s : strangers) {
            s.close();
        }
        pool.shutdownNow();
    }

    @Test
    @Timeout(60)
    void aSilentAndATricklingStrangerAreDroppedAtTheHandshakeBound() throws Exception {
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(2);
        List<Future<Long>> drops = new ArrayList<>();
        PeerRing.AddressExchange rank1Exchange = message -> {
            String[] addresses = exchange.forRank(1).allGather(message);
            drops.add(stranger(addresses[0], false));
            drops.add(stranger(addresses[0], true));
            return addresses;
        };
        WireSecret secret = WireSecret.of("s3cret").forStage("slow 1.0");
        Future<float[]> one = pool.submit(() -> sum(PeerRing.connect(1, 2, "127.0.0.1", secret, rank1Exchange,
                Duration.ofSeconds(40), () -> false), 2f));
        float[] zero = sum(PeerRing.connect(0, 2, "127.0.0.1", secret, exchange.forRank(0), Duration.ofSeconds(40),
                () -> false), 1f);
        assertArrayEquals(new float[] {3f}, zero);
        assertArrayEquals(new float[] {3f}, one.get(40, TimeUnit.SECONDS));
        for (Future<Long> drop : drops) {
            long millis = drop.get(40, TimeUnit.SECONDS);
            System.out.printf("a stranger was dropped %d ms after it connected (handshake bound %d ms)%n", millis,
                    Handshake.WAIT.toMillis());
        }
        PortFuzzTest.assertNoDialThreadsLeft();
    }

    @Test
    @Timeout(60)
    void withNoPeerArrivingTheStrangersAreDroppedAtTheHandshakeBoundAndThePeerIsStillAccepted() throws Exception {
        WireSecret secret = WireSecret.of("s3cret").forStage("slow 2.0");
        try (java.nio.channels.ServerSocketChannel server = PeerRing.listen("127.0.0.1", 2)) {
            String address = "127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
            Deadline deadline = Deadline.after(Duration.ofSeconds(40), () -> false);
            Future<java.util.Map<Integer, Link>> accepted = pool.submit(() -> PeerRing.accept(server,
                    java.util.Map.of(1, "rank 1"), secret, deadline, 0));
            // Both at once: each handshake runs on its own, so both end at the one bound, not one after the other.
            Future<Long> silentDrop = stranger(address, false);
            Future<Long> tricklingDrop = stranger(address, true);
            long silent = silentDrop.get(40, TimeUnit.SECONDS);
            long trickling = tricklingDrop.get(40, TimeUnit.SECONDS);
            System.out.printf("with no peer: a silent stranger dropped after %d ms, a trickling one after %d ms"
                    + " (bound %d ms)%n", silent, trickling, Handshake.WAIT.toMillis());
            Link peer = PeerRing.dial(address, "rank 0", 1, 0, secret, deadline);
            try {
                assertEquals(java.util.Set.of(1), accepted.get(40, TimeUnit.SECONDS).keySet());
            } finally {
                PeerRing.closeQuietly(peer);
                accepted.get().values().forEach(PeerRing::closeQuietly);
            }
        }
    }

    /** Connects; sends nothing, or a hello one byte a second; returns the milliseconds until the rank hung up. */
    private Future<Long> stranger(String address, boolean trickle) {
        int colon = address.lastIndexOf(':');
        Socket s = new Socket();
        strangers.add(s);
        try {
            s.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                    5000);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long start = System.nanoTime();
        if (trickle) {
            pool.submit(() -> {
                byte[] hello = ByteBuffer.allocate(12).putInt(Handshake.MAGIC).put(Handshake.VERSION).put((byte) 0)
                        .putInt(0).putShort((short) 8).array();
                OutputStream out = s.getOutputStream();
                for (byte b : hello) {
                    out.write(b);
                    out.flush();
                    Thread.sleep(1000);
                }
                return null;
            });
        }
        return pool.submit(() -> {
            s.setSoTimeout((int) Handshake.WAIT.toMillis() * 4);
            try {
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // nothing a rank sends a stranger that has not said hello
                }
            } catch (SocketTimeoutException e) {
                throw new AssertionError("still open after " + Handshake.WAIT.multipliedBy(4));
            } catch (IOException e) {
                // reset: dropped too
            }
            return (System.nanoTime() - start) / 1_000_000;
        });
    }

    private static float[] sum(RingCollective ring, float value) {
        try (ring) {
            ByteBuffer b = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder()).putFloat(0, value);
            ring.allReduce(new FloatVector(b));
            assertEquals(2, ring.size());
            return new float[] {b.getFloat(0)};
        }
    }
}
