package org.sparkddp.driver.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.wire.ModelState;

/**
 * The binary form of a checkpoint's {@link ModelState}: magic, format version, counters, the two float arrays
 * (little-endian), then a CRC-32 of everything before it. Plain data, validated field by field on the way in: a
 * checkpoint is never read through Java deserialization, so a tampered or truncated file is an error, not code.
 */
final class StateCodec {
    private static final byte[] MAGIC = "SDDPSTAT".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int HEADER = MAGIC.length + Integer.BYTES + Long.BYTES + 3 * Integer.BYTES;

    private StateCodec() {
    }

    static byte[] encode(ModelState state) {
        int floats = state.params().length + state.updaterState().length;
        ByteBuffer out = ByteBuffer.allocate(HEADER + floats * Float.BYTES + Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).putInt(VERSION).putLong(state.iteration()).putInt(state.epoch())
                .putInt(state.params().length).putInt(state.updaterState().length);
        out.asFloatBuffer().put(state.params()).put(state.updaterState());
        out.position(out.position() + floats * Float.BYTES);
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putLong(crc.getValue());
        return out.array();
    }

    /** @param file the file's name, for errors */
    static ModelState decode(byte[] bytes, String file) {
        if (bytes.length < HEADER + Long.BYTES) {
            throw new InvalidDataException(file, "is not a spark-ddp checkpoint state (only " + bytes.length + " bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new InvalidDataException(file, "is not a spark-ddp checkpoint state (wrong magic)");
        }
        int version = in.getInt();
        if (version != VERSION) {
            throw new InvalidDataException(file, "has checkpoint format " + version + "; this version reads " + VERSION);
        }
        long iteration = in.getLong();
        int epoch = in.getInt();
        int params = in.getInt();
        int updater = in.getInt();
        long expected = HEADER + ((long) params + updater) * Float.BYTES + Long.BYTES;
        if (iteration < 0 || epoch < 0 || params < 0 || updater < 0 || expected != bytes.length) {
            throw new InvalidDataException(file, "is truncated or corrupt: its header does not match its size");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - Long.BYTES);
        if (crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - Long.BYTES, Long.BYTES)
                .order(ByteOrder.LITTLE_ENDIAN).getLong()) {
            throw new InvalidDataException(file, "is corrupt: its checksum does not match");
        }
        float[] p = new float[params];
        float[] u = new float[updater];
        in.asFloatBuffer().get(p).get(u);
        return new ModelState(p, u, iteration, epoch);
    }
}
