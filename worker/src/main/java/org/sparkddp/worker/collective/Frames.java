package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.zip.CRC32C;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * How one connection's bytes are framed, in both directions: {@code [length: 4][payload][trailer]}, where the
 * trailer is a CRC-32C of the frame's sequence number and payload, or, with wire crypto, the payload is AES-GCM
 * ciphertext and the trailer its 16-byte tag (the length is authenticated too). Runs on executors and the
 * driver; one per connection, used by one thread.
 *
 * <p>Keys: one per direction, derived per connection by {@link Handshake} from the run's secret and both ends'
 * nonces. GCM nonces are the direction's frame counter, so no key ever sees a nonce twice. The counter also
 * enters each CRC, so that a frame replayed or dropped inside a connection fails the check like a corrupt one.
 */
final class Frames {
    /** Largest payload of one frame: the receiver knows how many bytes are due, the frames cut them. */
    static final int MAX_PAYLOAD = 256 << 10;
    static final int HEADER = 4;
    static final int CRC_BYTES = 4;
    static final int TAG_BYTES = 16;
    private static final String AES_GCM = "AES/GCM/NoPadding";

    private final SecretKeySpec sendKey;
    private final SecretKeySpec receiveKey;
    private final Cipher cipher;
    private final CRC32C crc = new CRC32C();
    private final byte[] nonce = new byte[12];
    private long sent;
    private long received;
    /** With crypto: the frame being sent, the one being received, and its opened payload. */
    private ByteBuffer sealed;
    private ByteBuffer incoming;
    private ByteBuffer opened;

    private Frames(SecretKeySpec sendKey, SecretKeySpec receiveKey) {
        this.sendKey = sendKey;
        this.receiveKey = receiveKey;
        try {
            this.cipher = sendKey == null ? null : Cipher.getInstance(AES_GCM);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(AES_GCM + " is missing from this JVM", e);
        }
    }

    /** Frames that carry a CRC-32C each: integrity against corruption, not against an attacker. */
    static Frames crc() {
        return new Frames(null, null);
    }

    /** Frames encrypted and authenticated with AES-GCM under a key per direction. */
    static Frames aesGcm(byte[] sendKey, byte[] receiveKey) {
        return new Frames(new SecretKeySpec(sendKey, "AES"), new SecretKeySpec(receiveKey, "AES"));
    }

    boolean encrypted() {
        return cipher != null;
    }

    int trailerBytes() {
        return encrypted() ? TAG_BYTES : CRC_BYTES;
    }

    /**
     * The buffers that send one frame of {@code payload} (positioned buffers, {@code length} bytes in all), for a
     * gathering write. Without crypto they are the payload itself between a header and a trailer, no copy.
     */
    ByteBuffer[] seal(ByteBuffer[] payload, int length) {
        long sequence = sent++;
        ByteBuffer header = ByteBuffer.allocate(HEADER).putInt(0, length);
        if (!encrypted()) {
            ByteBuffer trailer = ByteBuffer.allocate(CRC_BYTES).putInt(0, checksum(sequence, payload));
            ByteBuffer[] frame = new ByteBuffer[payload.length + 2];
            frame[0] = header;
            System.arraycopy(payload, 0, frame, 1, payload.length);
            frame[frame.length - 1] = trailer;
            return frame;
        }
        ByteBuffer out = sealedBuffer(HEADER + length + TAG_BYTES);
        out.put(header.duplicate());
        try {
            cipher.init(Cipher.ENCRYPT_MODE, sendKey, new GCMParameterSpec(TAG_BYTES * 8, nonce(sequence)));
            cipher.updateAAD(header.array());
            for (ByteBuffer p : payload) {
                cipher.update(p.duplicate(), out);
            }
            cipher.doFinal(ByteBuffer.allocate(0), out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed to encrypt a frame: " + e.getMessage(), e);
        }
        return new ByteBuffer[] {out.flip()};
    }

    /**
     * The buffers to read one frame of {@code length} payload bytes into, in order, for a scattering read:
     * without crypto the payload lands straight in {@code into}; with crypto in a buffer of ours.
     */
    ByteBuffer[] receiveBuffers(ByteBuffer[] into, int length) {
        if (!encrypted()) {
            ByteBuffer[] frame = new ByteBuffer[into.length + 2];
            frame[0] = ByteBuffer.allocate(HEADER);
            for (int i = 0; i < into.length; i++) {
                frame[i + 1] = into[i].duplicate();
            }
            frame[frame.length - 1] = ByteBuffer.allocate(CRC_BYTES);
            return frame;
        }
        int bytes = HEADER + length + TAG_BYTES;
        if (incoming == null || incoming.capacity() < bytes) {
            incoming = ByteBuffer.allocateDirect(Math.max(bytes, 64));
        }
        return new ByteBuffer[] {incoming.clear().limit(bytes)};
    }

    /**
     * Checks a frame read into {@code frame} (from {@link #receiveBuffers}), and with crypto decrypts it into
     * {@code into}, the same buffers as were passed there (whose positions the read left alone).
     *
     * @throws FrameException if the frame is not the one due: wrong length, bad CRC or bad tag
     */
    void open(ByteBuffer[] frame, ByteBuffer[] into, int length) throws FrameException {
        long sequence = received++;
        ByteBuffer first = frame[0];
        int declared = first.getInt(0);
        if (declared != length) {
            throw new FrameException("frame " + sequence + " declares " + Integer.toUnsignedString(declared)
                    + " bytes where " + length + " were due (corrupt or not our protocol)");
        }
        if (!encrypted()) {
            int expected = frame[frame.length - 1].getInt(0);
            if (checksum(sequence, into) != expected) {
                throw new FrameException("frame " + sequence + " of " + length + " bytes failed its CRC-32C check"
                        + " (corrupted in transit)");
            }
            return;
        }
        ByteBuffer in = first.duplicate().flip().position(HEADER);
        ByteBuffer plain = openedBuffer(length);
        try {
            cipher.init(Cipher.DECRYPT_MODE, receiveKey, new GCMParameterSpec(TAG_BYTES * 8, nonce(sequence)));
            byte[] header = new byte[HEADER];
            first.get(0, header);
            cipher.updateAAD(header);
            cipher.doFinal(in, plain);
        } catch (AEADBadTagException e) {
            throw new FrameException("frame " + sequence + " of " + length + " bytes failed its AES-GCM"
                    + " authentication (corrupted or forged)");
        } catch (GeneralSecurityException e) {
            throw new FrameException("frame " + sequence + " could not be decrypted: " + e.getMessage());
        }
        plain.flip();
        for (ByteBuffer target : into) {
            ByteBuffer part = plain.duplicate();
            part.limit(part.position() + target.remaining());
            target.duplicate().put(part);
            plain.position(part.limit());
        }
    }

    /** One message (the rendezvous's request or answer), sealed as one frame, as bytes. */
    byte[] sealMessage(byte[] message) {
        ByteBuffer[] frame = seal(new ByteBuffer[] {ByteBuffer.wrap(message)}, message.length);
        int total = 0;
        for (ByteBuffer b : frame) {
            total += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (ByteBuffer b : frame) {
            all.put(b.duplicate());
        }
        return all.array();
    }

    /**
     * Reads one message sealed by {@link #sealMessage} through {@code io}.
     *
     * @param max longest message accepted: a length past it is refused before anything is allocated
     */
    byte[] openMessage(HandshakeIo io, int max) throws java.io.IOException, FrameException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        io.readFully(header);
        int length = header.getInt(0);
        if (length < 0 || length > max) {
            received++;
            throw new FrameException("a message of " + Integer.toUnsignedString(length) + " bytes, more than the "
                    + max + " allowed");
        }
        byte[] message = new byte[length];
        ByteBuffer[] into = {ByteBuffer.wrap(message)};
        ByteBuffer[] frame = receiveBuffers(into, length);
        ByteBuffer first = frame[0];
        first.put(header.flip());
        for (ByteBuffer b : frame) {
            io.readFully(b);
        }
        open(frame, into, length);
        return message;
    }

    private int checksum(long sequence, ByteBuffer[] payload) {
        crc.reset();
        for (int i = 0; i < 8; i++) {
            crc.update((int) (sequence >>> (8 * i)));
        }
        for (ByteBuffer p : payload) {
            crc.update(p.duplicate());
        }
        return (int) crc.getValue();
    }

    private byte[] nonce(long sequence) {
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
        }
        return nonce;
    }

    private ByteBuffer sealedBuffer(int bytes) {
        if (sealed == null || sealed.capacity() < bytes) {
            sealed = ByteBuffer.allocateDirect(Math.max(bytes, 64));
        }
        return sealed.clear().limit(bytes);
    }

    private ByteBuffer openedBuffer(int bytes) {
        if (opened == null || opened.capacity() < bytes) {
            opened = ByteBuffer.allocateDirect(Math.max(bytes, 64));
        }
        return opened.clear().limit(bytes);
    }

    /** A frame that is not the one due. */
    static final class FrameException extends Exception {
        private static final long serialVersionUID = 1L;

        FrameException(String message) {
            super(message);
        }
    }
}
