package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.config.CollectiveKind;

/**
 * Frames on a real ring: a frame corrupted in transit fails the all-reduce with one line before it is summed, with
 * a CRC-32C or with AES-GCM, and wire crypto gives the same sums, bitwise, as plain frames.
 */
@Timeout(60)
class WireIntegrityTest {
    private static final int FLOATS = 100_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        pool.shutdownNow();
    }

    /** A loopback connection; [0] dials, [1] was accepted. */
    private SocketChannel[] link() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel out = SocketChannel.open(server.getLocalAddress());
            SocketChannel in = server.accept();
            open.add(out);
            open.add(in);
            return new SocketChannel[] {out, in};
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aFrameCorruptedInTransitFailsTheAllReduceBeforeItIsSummed(boolean crypto) throws Exception {
        byte[] keyA = new byte[16];
        byte[] keyB = new byte[16];
        keyB[0] = 1;
        SocketChannel[] toOne = link();
        SocketChannel[] fromOne = link();
        // Rank 0 is real; the test plays rank 1, with a byte of its frame flipped after sealing.
        Frames rank0In = crypto ? Frames.aesGcm(keyA, keyB) : Frames.crc();
        Frames rank1Out = crypto ? Frames.aesGcm(keyB, keyA) : Frames.crc();
        RingCollective rank0 = new RingCollective("rank 0", 0, 2, null, Link.unauthenticated(toOne[0]), "rank 1",
                new Link(fromOne[1], rank0In), "rank 1", TIMEOUT, () -> false,
                new Pieces.Sizes(RingCollective.PIECE_FLOATS, RingCollective.BROADCAST_PIECE_FLOATS), WireFormat.FP32);
        open.add(rank0);
        ByteBuffer values = ByteBuffer.allocateDirect(FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());
        for (int i = 0; i < FLOATS; i++) {
            values.putFloat(i * Float.BYTES, 1f);
        }
        Future<?> sum = pool.submit(() -> rank0.allReduce(new FloatVector(values)));

        // Rank 0 owns chunk 1, the second half: rank 1 sends it first.
        int chunkBytes = FLOATS / 2 * Float.BYTES;
        ByteBuffer payload = ByteBuffer.allocate(Math.min(chunkBytes, Frames.MAX_PAYLOAD));
        ByteBuffer[] frame = rank1Out.seal(new ByteBuffer[] {payload}, payload.capacity());
        ByteBuffer body = frame[crypto ? 0 : 1];
        int at = body.position() + (crypto ? Frames.HEADER : 0) + 1234;
        body.put(at, (byte) (body.get(at) ^ 0x10));
        while (Transfers.hasRemaining(frame)) {
            fromOne[0].write(frame);
        }
        Exception e = assertThrows(Exception.class, () -> sum.get(30, TimeUnit.SECONDS));
        assertEquals(PeerFailureException.class, e.getCause().getClass(), String.valueOf(e.getCause()));
        assertEquals("rank 0: frame 0 of " + payload.capacity() + " bytes failed its "
                + (crypto ? "AES-GCM authentication (corrupted or forged)" : "CRC-32C check (corrupted in transit)")
                + ", from rank 1 during reduce-scatter step 0", e.getCause().getMessage());
        for (int i = FLOATS / 2; i < FLOATS; i++) {
            assertEquals(1f, values.getFloat(i * Float.BYTES), "float " + i + " was summed with a corrupt frame");
        }
    }

    @ParameterizedTest
    @EnumSource(value = CollectiveKind.class, names = {"RING", "HIERARCHICAL"})
    void wireCryptoSumsTheSameBitsAsPlainFrames(CollectiveKind kind) throws Exception {
        float[][] plain = allReduce(kind, false);
        float[][] encrypted = allReduce(kind, true);
        for (int r = 0; r < plain.length; r++) {
            assertArrayEquals(plain[r], encrypted[r], "rank " + r);
            assertArrayEquals(plain[0], plain[r], "rank " + r + " differs from rank 0");
        }
    }

    /** Four ranks on two loopback hosts all-reduce the same seeded vectors; what each rank ends with. */
    private float[][] allReduce(CollectiveKind kind, boolean crypto) throws Exception {
        int size = 4;
        WireSecret secret = new WireSecret("s3cret", crypto).forStage("integrity 1.0");
        RingCollectiveTest.InMemoryExchange exchange = new RingCollectiveTest.InMemoryExchange(size);
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                Random random = new Random(rank);
                ByteBuffer b = ByteBuffer.allocateDirect(FLOATS * Float.BYTES).order(ByteOrder.nativeOrder());
                for (int i = 0; i < FLOATS; i++) {
                    b.putFloat(i * Float.BYTES, (float) random.nextGaussian());
                }
                try (Collective c = Collectives.connect(kind, rank, size, "127.0.0." + (1 + rank % 2), secret,
                        exchange.forRank(rank), TIMEOUT, () -> false)) {
                    c.allReduce(new FloatVector(b));
                }
                float[] out = new float[FLOATS];
                b.asFloatBuffer().get(out);
                return out;
            }));
        }
        float[][] out = new float[size][];
        for (int r = 0; r < size; r++) {
            out[r] = results.get(r).get(40, TimeUnit.SECONDS);
        }
        return out;
    }
}
