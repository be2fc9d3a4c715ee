package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A peer that stops mid-transfer while keeping its sockets open (a hung executor, a long GC pause) must fail the
 * others by the sync timeout: one waits for data that never comes, the other for room in a send buffer that is
 * never drained. Neither may hang.
 *
 * <p>Rank 2 is played by the test on raw sockets, so that it stops at a known point: after reading 1 MB of the
 * 5.6 MB that rank 1 sends it, and after sending rank 0 1 MB of its own chunk.
 */
class StalledPeerTest {
    private static final int FLOATS = 4 << 20; // 16 MB: each chunk far exceeds the buffers below
    private static final int BUFFER_BYTES = 64 << 10;
    private static final int STALL_AFTER_BYTES = 1 << 20;
    private static final String STALLED = "rank 2 (stalls)";
    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(2);

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        pool.shutdownNow();
    }

    /** A loopback connection with small socket buffers; [0] writes, [1] reads. */
    private SocketChannel[] link() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_RCVBUF, BUFFER_BYTES); // before bind: accepted sockets inherit it
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            SocketChannel out = SocketChannel.open();
            out.setOption(StandardSocketOptions.SO_SNDBUF, BUFFER_BYTES);
            out.connect(server.getLocalAddress());
            SocketChannel in = server.accept();
            open.add(out);
            open.add(in);
            return new SocketChannel[] {out, in};
        }
    }

    @Test
    @Timeout(20) // the sync timeout plus generous slack: the outer bound on "does not hang"
    void aPeerThatStopsReadingAndSendingMidTransferFailsTheOthersAtTheSyncTimeout() throws Exception {
        SocketChannel[] zeroToOne = link();
        SocketChannel[] oneToTwo = link();
        SocketChannel[] twoToZero = link();
        RingCollective rank0 = new RingCollective(0, 3, zeroToOne[0], "rank 1", twoToZero[1], STALLED, SYNC_TIMEOUT,
                () -> false);
        RingCollective rank1 = new RingCollective(1, 3, oneToTwo[0], STALLED, zeroToOne[1], "rank 0", SYNC_TIMEOUT,
                () -> false);
        open.add(rank0);
        open.add(rank1);

        CountDownLatch stalled = new CountDownLatch(1);
        pool.execute(() -> stallMidTransfer(oneToTwo[1], twoToZero[0], stalled));
        Future<?> sum0 = pool.submit(() -> rank0.allReduce(vector()));
        Future<?> sum1 = pool.submit(() -> rank1.allReduce(vector()));

        assertEquals("rank 0: timed out after PT2S waiting for data from " + STALLED + " during reduce-scatter step 0",
                failure(sum0).getMessage());
        assertEquals("rank 1: timed out after PT2S waiting for room to send to " + STALLED
                + " during reduce-scatter step 0", failure(sum1).getMessage());
        assertEquals(0, stalled.getCount(), "rank 2 never reached its stall, so it did not stall mid-transfer");
    }

    /** Reads some of what rank 1 sends, sends rank 0 some of its chunk, then does nothing, sockets still open. */
    private static void stallMidTransfer(SocketChannel fromOne, SocketChannel toZero, CountDownLatch stalled) {
        try {
            ByteBuffer read = ByteBuffer.allocate(STALL_AFTER_BYTES);
            while (read.hasRemaining() && fromOne.read(read) >= 0) {
                // blocking reads: until 1 MB has come
            }
            // Whole, valid frames (CRC-32C, as a ring wired by hand uses), so that rank 0 waits for more.
            Frames frames = Frames.crc();
            for (int sent = 0; sent < STALL_AFTER_BYTES; sent += Frames.MAX_PAYLOAD) {
                ByteBuffer[] frame = frames.seal(new ByteBuffer[] {ByteBuffer.allocate(Frames.MAX_PAYLOAD)},
                        Frames.MAX_PAYLOAD);
                while (Transfers.hasRemaining(frame)) {
                    toZero.write(frame);
                }
            }
            stalled.countDown();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static FloatVector vector() {
        return new FloatVector(ByteBuffer.allocateDirect(FLOATS * Float.BYTES));
    }

    private static PeerFailureException failure(Future<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, call::get); // bounded by @Timeout
        assertEquals(PeerFailureException.class, e.getCause().getClass(), e.getCause().toString());
        return (PeerFailureException) e.getCause();
    }
}
