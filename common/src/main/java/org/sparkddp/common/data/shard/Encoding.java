package org.sparkddp.common.data.shard;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** How a feature value is stored in a shard's bytes, and read back as a float. */
public enum Encoding {
    /** Pixels: one unsigned byte, read scaled into [0, 1] exactly as {@code UnsignedByteFeatures} reads it. */
    UNSIGNED_BYTE(1) {
        @Override
        void decode(byte[] src, int values, float[] dst, int offset) {
            for (int i = 0; i < values; i++) {
                dst[offset + i] = (src[i] & 0xff) * SCALE;
            }
        }
    },
    /** A float, little-endian: its bits exactly. */
    FLOAT32(4) {
        @Override
        void decode(byte[] src, int values, float[] dst, int offset) {
            for (int i = 0; i < values; i++) {
                dst[offset + i] = (float) FLOATS.get(src, i * Float.BYTES);
            }
        }
    };

    private static final float SCALE = 1f / 255f;
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class,
            ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    Encoding(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per value. */
    public int bytes() {
        return bytes;
    }

    /** Reads {@code values} values from the start of {@code src} into {@code dst} at {@code offset}. */
    abstract void decode(byte[] src, int values, float[] dst, int offset);

    /** Writes {@code values} floats of {@code src} from {@code offset} into {@code dst}, as {@link #FLOAT32}. */
    public static void encodeFloats(float[] src, int offset, int values, byte[] dst) {
        for (int i = 0; i < values; i++) {
            FLOATS.set(dst, i * Float.BYTES, src[offset + i]);
        }
    }
}
