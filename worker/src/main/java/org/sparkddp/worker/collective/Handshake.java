package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * The mutual challenge-response that opens every connection of the collective and of the rendezvous, so that each
 * end proves it knows the run's secret without sending it. Runs on executors and the driver, once per connection.
 *
 * <pre>
 * dialer   -> acceptor: MAGIC, version, flags, dialer rank, context, dialer nonce
 * acceptor -> dialer:   MAGIC, version, flags, acceptor rank, acceptor nonce, HMAC(secret, "acceptor" | T)
 * dialer   -> acceptor: HMAC(secret, "dialer" | T)
 * </pre>
 * where T, the transcript, is the flags, the context (the run and stage attempt), both ranks and both nonces:
 * each side's proof covers a nonce the other side drew fresh from a {@link SecureRandom}, so a proof recorded on
 * one connection, or in an earlier stage, fails on any other. The dialer checks the acceptor's proof before giving
 * its own, so a stranger cannot use a dialer to sign its choice of nonce. Both ends then derive one key per
 * direction with HKDF (RFC 5869) over the secret, salted with both nonces ({@link Frames}).
 *
 * <p>Every read is bounded by the caller's deadline; whatever a stranger sends (wrong magic, a length past any
 * buffer, a truncated or replayed hello) ends in a {@link HandshakeException} naming what was wrong.
 */
final class Handshake {
    static final int MAGIC = 0x53444448; // "SDDH"
    static final byte VERSION = 1;
    static final int NONCE_BYTES = 32;
    static final int MAC_BYTES = 32;
    static final int MAX_CONTEXT_BYTES = 512;
    static final int KEY_BYTES = 16;
    /** How long an accepted connection may take to complete its handshake: a peer answers at once. */
    static final Duration WAIT = Duration.ofSeconds(5);
    private static final byte ENCRYPTED = 1;
    private static final int FIXED_HELLO = 4 + 1 + 1 + 4 + 2;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The far end's rank, the context it named, and the frames both ends now use. */
    record Result(int peerRank, String context, Frames frames) {
    }

    /** Whatever a connection sent that is not a valid handshake of this run. */
    static final class HandshakeException extends IOException {
        private static final long serialVersionUID = 1L;

        HandshakeException(String message) {
            super(message);
        }
    }

    private Handshake() {
    }

    /**
     * The dialing side.
     *
     * @param context  names the run and stage attempt; the acceptor must expect the same
     * @param peerRank the rank the dialer means to reach (-1 for the rendezvous server)
     */
    static Frames dial(HandshakeIo io, WireSecret secret, String context, int rank, int peerRank) throws IOException {
        byte flags = secret.encrypted() ? ENCRYPTED : 0;
        byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
        if (ctx.length > MAX_CONTEXT_BYTES) {
            throw new IllegalArgumentException("a handshake context of " + ctx.length + " bytes");
        }
        byte[] mine = nonce();
        io.write(ByteBuffer.allocate(FIXED_HELLO + ctx.length + NONCE_BYTES).putInt(MAGIC).put(VERSION).put(flags)
                .putInt(rank).putShort((short) ctx.length).put(ctx).put(mine).flip());

        ByteBuffer answer = ByteBuffer.allocate(4 + 1 + 1 + 4 + NONCE_BYTES + MAC_BYTES);
        io.readFully(answer);
        answer.flip();
        checkMagic(answer.getInt(), answer.get());
        checkFlags(answer.get(), flags);
        int acceptor = answer.getInt();
        if (acceptor != peerRank) {
            throw new HandshakeException("answered as rank " + acceptor + ", not rank " + peerRank);
        }
        byte[] theirs = new byte[NONCE_BYTES];
        answer.get(theirs);
        byte[] proof = new byte[MAC_BYTES];
        answer.get(proof);
        byte[] transcript = transcript(flags, ctx, rank, acceptor, mine, theirs);
        if (!MessageDigest.isEqual(proof, Hkdf.hmac(secret.keyBytes(), label("acceptor"), transcript))) {
            throw new HandshakeException("the other end did not prove it knows the run's secret (a wrong secret, or"
                    + " another run's)");
        }
        io.write(ByteBuffer.wrap(Hkdf.hmac(secret.keyBytes(), label("dialer"), transcript)));
        return frames(secret, transcript, mine, theirs, true);
    }

    /**
     * The accepting side.
     *
     * @param contexts which contexts this end accepts (the ring: its own stage attempt's only)
     */
    static Result accept(HandshakeIo io, WireSecret secret, Predicate<String> contexts, int rank) throws IOException {
        byte flags = secret.encrypted() ? ENCRYPTED : 0;
        ByteBuffer fixed = ByteBuffer.allocate(FIXED_HELLO);
        io.readFully(fixed);
        fixed.flip();
        checkMagic(fixed.getInt(), fixed.get());
        checkFlags(fixed.get(), flags);
        int dialer = fixed.getInt();
        int contextBytes = Short.toUnsignedInt(fixed.getShort());
        if (contextBytes > MAX_CONTEXT_BYTES) {
            throw new HandshakeException("a hello whose context claims " + contextBytes + " bytes, more than the "
                    + MAX_CONTEXT_BYTES + " allowed");
        }
        ByteBuffer rest = ByteBuffer.allocate(contextBytes + NONCE_BYTES);
        io.readFully(rest);
        rest.flip();
        byte[] ctx = new byte[contextBytes];
        rest.get(ctx);
        byte[] theirs = new byte[NONCE_BYTES];
        rest.get(theirs);
        String context = new String(ctx, StandardCharsets.UTF_8);
        if (!contexts.test(context)) {
            throw new HandshakeException("a hello for another run or stage attempt");
        }
        byte[] mine = nonce();
        byte[] transcript = transcript(flags, ctx, dialer, rank, theirs, mine);
        io.write(ByteBuffer.allocate(4 + 1 + 1 + 4 + NONCE_BYTES + MAC_BYTES).putInt(MAGIC).put(VERSION).put(flags)
                .putInt(rank).put(mine).put(Hkdf.hmac(secret.keyBytes(), label("acceptor"), transcript)).flip());
        ByteBuffer proof = ByteBuffer.allocate(MAC_BYTES);
        io.readFully(proof);
        if (!MessageDigest.isEqual(proof.array(), Hkdf.hmac(secret.keyBytes(), label("dialer"), transcript))) {
            throw new HandshakeException("a hello that failed to prove it knows the run's secret (claimed rank "
                    + dialer + ")");
        }
        return new Result(dialer, context, frames(secret, transcript, theirs, mine, false));
    }

    /** CRC frames, or AES-GCM frames under keys derived for this connection alone. */
    private static Frames frames(WireSecret secret, byte[] transcript, byte[] dialerNonce, byte[] acceptorNonce,
                                 boolean dialer) {
        if (!secret.encrypted()) {
            return Frames.crc();
        }
        byte[] salt = concat(dialerNonce, acceptorNonce);
        byte[] keys = Hkdf.derive(secret.keyBytes(), salt, concat(label("frames"), transcript), 2 * KEY_BYTES);
        byte[] dialerToAcceptor = Arrays.copyOfRange(keys, 0, KEY_BYTES);
        byte[] acceptorToDialer = Arrays.copyOfRange(keys, KEY_BYTES, 2 * KEY_BYTES);
        return dialer ? Frames.aesGcm(dialerToAcceptor, acceptorToDialer)
                : Frames.aesGcm(acceptorToDialer, dialerToAcceptor);
    }

    private static void checkMagic(int magic, byte version) throws HandshakeException {
        if (magic != MAGIC) {
            throw new HandshakeException("not a spark-ddp handshake (wrong magic)");
        }
        if (version != VERSION) {
            throw new HandshakeException("handshake version " + version + ", not " + VERSION);
        }
    }

    private static void checkFlags(byte theirs, byte mine) throws HandshakeException {
        if (theirs != mine) {
            throw new HandshakeException("wire crypto is " + (theirs == ENCRYPTED ? "on" : "off")
                    + " at the other end and " + (mine == ENCRYPTED ? "on" : "off") + " here");
        }
    }

    private static byte[] transcript(byte flags, byte[] ctx, int dialer, int acceptor, byte[] dialerNonce,
                                     byte[] acceptorNonce) {
        return ByteBuffer.allocate(1 + 2 + ctx.length + 8 + 2 * NONCE_BYTES).put(flags).putShort((short) ctx.length)
                .put(ctx).putInt(dialer).putInt(acceptor).put(dialerNonce).put(acceptorNonce).array();
    }

    private static byte[] label(String what) {
        return ("spark-ddp v1 " + what).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] nonce() {
        byte[] n = new byte[NONCE_BYTES];
        RANDOM.nextBytes(n);
        return n;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
