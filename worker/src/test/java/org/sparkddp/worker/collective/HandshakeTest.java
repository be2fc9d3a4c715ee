package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The handshake over loopback sockets: both ends prove the secret without sending it, and whatever else arrives
 * (a wrong secret, another stage attempt, a replay of an earlier connection) is refused.
 */
@Timeout(30)
class HandshakeTest {
    private static final String SECRET = HexFormat.of().formatHex("the run's secret, 32 bytes long!".getBytes(StandardCharsets.UTF_8));
    private static final WireSecret STAGE = WireSecret.of(SECRET).forStage("run-1 stage 7.0");

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Dialer and acceptor over one loopback connection: what each got or threw, and every byte each wrote. */
    private record Outcome(Frames dialer, Handshake.Result acceptor, Exception dialerFailure,
                           Exception acceptorFailure, byte[] dialerWrote, byte[] acceptorWrote) {
    }

    private Outcome handshake(WireSecret dialerSecret, WireSecret acceptorSecret) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ByteArrayOutputStream dialerWrote = new ByteArrayOutputStream();
            ByteArrayOutputStream acceptorWrote = new ByteArrayOutputStream();
            Future<Frames> dialer = pool.submit(() -> {
                try (SocketChannel c = SocketChannel.open(server.getLocalAddress())) {
                    return Handshake.dial(recording(HandshakeIo.of(c, deadline()), dialerWrote), dialerSecret,
                            dialerSecret.context(), 3, 4);
                }
            });
            Handshake.Result result = null;
            Exception acceptorFailure = null;
            try (SocketChannel accepted = server.accept()) {
                result = Handshake.accept(recording(HandshakeIo.of(accepted, deadline()), acceptorWrote),
                        acceptorSecret, acceptorSecret.context()::equals, 4);
            } catch (java.io.IOException e) {
                acceptorFailure = e;
            }
            Frames frames = null;
            Exception dialerFailure = null;
            try {
                frames = dialer.get(10, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                dialerFailure = (Exception) e.getCause();
            }
            return new Outcome(frames, result, dialerFailure, acceptorFailure, dialerWrote.toByteArray(),
                    acceptorWrote.toByteArray());
        }
    }

    private static Deadline deadline() {
        return Deadline.after(Duration.ofSeconds(10), () -> false);
    }

    private static HandshakeIo recording(HandshakeIo io, ByteArrayOutputStream out) {
        return new HandshakeIo() {
            @Override
            public void readFully(ByteBuffer b) throws java.io.IOException {
                io.readFully(b);
            }

            @Override
            public void write(ByteBuffer b) throws java.io.IOException {
                ByteBuffer copy = b.duplicate();
                io.write(b);
                byte[] bytes = new byte[copy.remaining()];
                copy.get(bytes);
                out.writeBytes(bytes);
            }
        };
    }

    @Test
    void bothEndsProveTheSecretWhichNeverCrossesTheWire() throws Exception {
        Outcome o = handshake(STAGE, STAGE);
        assertEquals(null, o.acceptorFailure());
        assertEquals(3, o.acceptor().peerRank());
        assertEquals("run-1 stage 7.0", o.acceptor().context());
        for (byte[] wire : new byte[][] {o.dialerWrote(), o.acceptorWrote()}) {
            String text = new String(wire, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(SECRET), "the secret crossed the wire");
            assertFalse(text.contains(SECRET.substring(0, 16)), "part of the secret crossed the wire");
        }
        // What each end sends the other, the other opens.
        byte[] sealed = o.dialer().sealMessage("hello, rank 4".getBytes(StandardCharsets.UTF_8));
        assertEquals("hello, rank 4", new String(o.acceptor().frames().openMessage(new MemoryIo(sealed), 1024),
                StandardCharsets.UTF_8));
    }

    @Test
    void aWrongSecretFailsOnBothEnds() throws Exception {
        Outcome o = handshake(WireSecret.of("guessed").forStage(STAGE.context()), STAGE);
        assertEquals("the other end did not prove it knows the run's secret (a wrong secret, or another run's)",
                o.dialerFailure().getMessage());
        // The dialer gives no proof of its own to an acceptor it could not verify: the acceptor sees it hang up.
        assertTrue(o.acceptorFailure() instanceof java.io.EOFException, String.valueOf(o.acceptorFailure()));
    }

    @Test
    void aConnectionForAnotherStageAttemptIsRefused() throws Exception {
        Outcome o = handshake(WireSecret.of(SECRET).forStage("run-1 stage 7.1"), STAGE);
        assertEquals("a hello for another run or stage attempt", o.acceptorFailure().getMessage());
        assertTrue(o.dialerFailure() != null, "the dialer went on as if connected");
    }

    @Test
    void wireCryptoOnOneEndOnlyIsRefused() throws Exception {
        Outcome o = handshake(new WireSecret(SECRET, true).forStage(STAGE.context()), STAGE);
        assertEquals("wire crypto is on at the other end and off here", o.acceptorFailure().getMessage());
    }

    @Test
    void aRecordedDialerReplayedToANewAcceptorFails() throws Exception {
        Outcome recorded = handshake(STAGE, STAGE);
        MemoryIo replay = new MemoryIo(recorded.dialerWrote());
        Handshake.HandshakeException e = assertThrows(Handshake.HandshakeException.class,
                () -> Handshake.accept(replay, STAGE, STAGE.context()::equals, 4));
        assertEquals("a hello that failed to prove it knows the run's secret (claimed rank 3)", e.getMessage());
    }

    @Test
    void everyConnectionGetsItsOwnKeys() throws Exception {
        WireSecret crypto = new WireSecret(SECRET, true).forStage(STAGE.context());
        Outcome first = handshake(crypto, crypto);
        Outcome second = handshake(crypto, crypto);
        byte[] message = new byte[64];
        byte[] a = first.dialer().sealMessage(message);
        byte[] b = second.dialer().sealMessage(message);
        assertFalse(java.util.Arrays.equals(a, b), "two connections encrypted the same frame alike");
        assertArrayEquals(message, first.acceptor().frames().openMessage(new MemoryIo(a), 1024));
        assertThrows(Frames.FrameException.class,
                () -> second.acceptor().frames().openMessage(new MemoryIo(a), 1024),
                "a frame of one connection opened on another");
    }

    @Test
    void hkdfMatchesRfc5869TestCase1() {
        // RFC 5869, appendix A.1.
        byte[] ikm = HexFormat.of().parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HexFormat.of().parseHex("000102030405060708090a0b0c");
        byte[] info = HexFormat.of().parseHex("f0f1f2f3f4f5f6f7f8f9");
        assertEquals("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
                HexFormat.of().formatHex(Hkdf.derive(ikm, salt, info, 42)));
    }

    @Test
    void theSecretNeverShowsInItsToString() {
        assertEquals("WireSecret[redacted, AES-GCM frames]", new WireSecret(SECRET, true).toString());
        assertFalse(STAGE.toString().contains(SECRET));
    }
}
