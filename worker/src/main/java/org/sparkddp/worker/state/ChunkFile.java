package org.sparkddp.worker.state;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The binary form of one chunk of a state in a checkpoint (format 2): a 24-byte header (magic {@code SDDPCHNK},
 * format, chunk index, float count as a 64-bit number), the chunk's floats little-endian, then the CRC-32C of those
 * float bytes (the same checksum a {@code StateVersion} keeps per chunk). Streamed through a small buffer both ways:
 * no buffer is larger than one chunk, and every size is computed in 64 bits. Plain data, validated field by field:
 * a checkpoint is never read through Java deserialization, so a tampered or truncated file is an error, not code.
 * Runs on executors (and on the driver for the size a listing should show).
 */
public final class ChunkFile {
    public static final int FORMAT = 2;
    static final byte[] MAGIC = "SDDPCHNK".getBytes(StandardCharsets.US_ASCII);
    public static final int HEADER_BYTES = MAGIC.length + 2 * Integer.BYTES + Long.BYTES;
    public static final int TRAILER_BYTES = Integer.BYTES;
    /** The largest chunk one buffer holds (a ByteBuffer is int-indexed). */
    static final long MAX_CHUNK_BYTES = Integer.MAX_VALUE - 8;
    private static final int PIECE = 1 << 20;

    /** A chunk file's header, as read. */
    record Header(int chunk, long floats) {
    }

    private ChunkFile() {
    }

    /** The file name of chunk {@code c} in a state's directory: {@code state-00003.bin}. */
    public static String name(int c) {
        return String.format(Locale.ROOT, "state-%05d.bin", c);
    }

    /** The exact size of a chunk file holding {@code floats} floats, in 64 bits. */
    public static long fileBytes(long floats) {
        return Math.addExact(HEADER_BYTES + TRAILER_BYTES, Math.multiplyExact(floats, (long) Float.BYTES));
    }

    static byte[] header(int chunk, long floats) {
        return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MAGIC).putInt(FORMAT)
                .putInt(chunk).putLong(floats).array();
    }

    /** @param file the file's name, for errors */
    static Header parseHeader(byte[] bytes, String file) {
        if (bytes.length < HEADER_BYTES) {
            throw new CorruptChunkException(file, "is truncated: " + bytes.length + " bytes, shorter than a chunk"
                    + " file's header");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new CorruptChunkException(file, "is not a spark-ddp checkpoint chunk (wrong magic)");
        }
        int format = in.getInt();
        if (format != FORMAT) {
            throw new CorruptChunkException(file, "has chunk format " + format + "; this version reads " + FORMAT);
        }
        int chunk = in.getInt();
        long floats = in.getLong();
        if (chunk < 0 || floats < 0) {
            throw new CorruptChunkException(file, "is corrupt: its header gives chunk " + chunk + " of " + floats
                    + " floats");
        }
        return new Header(chunk, floats);
    }

    /**
     * Streams chunk {@code chunk} ({@code floats}: little-endian, from its position to its limit) to {@code out};
     * returns the CRC-32C of the float bytes. Leaves {@code floats} unchanged.
     */
    public static long write(OutputStream out, int chunk, ByteBuffer floats) throws IOException {
        ByteBuffer source = floats.duplicate();
        if (source.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException("chunk " + chunk + ": " + source.remaining() + " bytes, not whole floats");
        }
        out.write(header(chunk, source.remaining() / Float.BYTES));
        CRC32C crc = new CRC32C();
        byte[] piece = new byte[Math.min(PIECE, Math.max(1, source.remaining()))];
        while (source.hasRemaining()) {
            int n = Math.min(piece.length, source.remaining());
            source.get(piece, 0, n);
            crc.update(piece, 0, n);
            out.write(piece, 0, n);
        }
        out.write(ByteBuffer.allocate(TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt((int) crc.getValue())
                .array());
        return crc.getValue();
    }

    /**
     * Reads a chunk file that must be chunk {@code chunk} of {@code floats} floats with CRC-32C {@code crc}, and
     * returns its floats (little-endian, position 0). Fails with one line naming {@code file} when it is not.
     */
    static ByteBuffer read(InputStream in, String file, int chunk, long floats, long crc) throws IOException {
        Header header = parseHeader(in.readNBytes(HEADER_BYTES), file);
        if (header.chunk() != chunk || header.floats() != floats) {
            throw new CorruptChunkException(file, "holds chunk " + header.chunk() + " of " + header.floats()
                    + " floats, but the checkpoint lists chunk " + chunk + " of " + floats + " here");
        }
        long bytes = floats * Float.BYTES;
        if (bytes > MAX_CHUNK_BYTES) {
            throw new CorruptChunkException(file, "holds a chunk of " + bytes + " bytes, larger than one buffer"
                    + " can hold (" + MAX_CHUNK_BYTES + ")");
        }
        ByteBuffer chunkBytes = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        int read = in.readNBytes(chunkBytes.array(), 0, (int) bytes);
        byte[] trailer = in.readNBytes(TRAILER_BYTES);
        if (read < bytes || trailer.length < TRAILER_BYTES) {
            throw new CorruptChunkException(file, "is truncated: " + (HEADER_BYTES + read + trailer.length)
                    + " bytes of " + fileBytes(floats));
        }
        if (in.read() != -1) {
            throw new CorruptChunkException(file, "is longer than its header says (" + fileBytes(floats)
                    + " bytes)");
        }
        CRC32C actual = new CRC32C();
        actual.update(chunkBytes.array(), 0, (int) bytes);
        long stored = Integer.toUnsignedLong(ByteBuffer.wrap(trailer).order(ByteOrder.LITTLE_ENDIAN).getInt());
        if (actual.getValue() != stored || stored != crc) {
            throw new CorruptChunkException(file, "is corrupt: its checksum does not match");
        }
        return chunkBytes;
    }
}
