package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * How a piece {@code [from, to)} of a vector whose first {@code gradient} floats are a gradient crosses the wire
 * under {@code training.wire = bf16}: the gradient's floats as bf16 (2 bytes each, rounded to nearest even), then
 * the floats past the gradient (the loss and the stop flag) as they are (4 bytes each), in native byte order, as
 * fp32 frames are. Both ends compute the same layout from the same range and gradient length. Runs on executors;
 * one per ring, used by its one thread, its buffers reused from call to call.
 */
final class Bf16Pieces {
    /** Floats per block of a conversion: heap blocks that stay in a core's L2 cache. */
    private static final int BLOCK_FLOATS = 1 << 14;

    private ByteBuffer sending = ByteBuffer.allocateDirect(0);
    private ByteBuffer receiving = ByteBuffer.allocateDirect(0);
    private final float[] floats = new float[BLOCK_FLOATS];
    private final float[] received = new float[BLOCK_FLOATS];
    private final short[] halves = new short[BLOCK_FLOATS];
    private final int[] bits = new int[BLOCK_FLOATS];
    private final FloatBits cast = new FloatBits(BLOCK_FLOATS);

    /** Bytes on the wire for floats {@code [from, to)}. */
    static long bytes(long from, long to, long gradient) {
        long half = Math.max(0, Math.min(to, gradient) - from);
        return 2 * half + 4 * (to - from - half);
    }

    /** Floats {@code [from, to)} of {@code vector}, encoded, in a buffer of ours (valid until the next call). */
    ByteBuffer encode(FloatVector vector, long from, long to, long gradient) {
        long split = Math.max(from, Math.min(to, gradient));
        sending = sized(sending, bytes(from, to, gradient));
        ShortBuffer head = sending.duplicate().order(ByteOrder.nativeOrder()).limit(half(from, split)).asShortBuffer();
        for (long at = from; at < split; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, split - at);
            vector.getBits(at, bits, m);
            for (int j = 0; j < m; j++) {
                halves[j] = (short) Bf16.roundBits(bits[j]);
            }
            head.put(halves, 0, m);
        }
        ByteBuffer tail = sending.duplicate().order(ByteOrder.nativeOrder()).position(half(from, split));
        for (ByteBuffer piece : vector.slice(split, to)) {
            tail.put(piece);
        }
        return sending.duplicate().order(ByteOrder.nativeOrder());
    }

    /** A buffer of ours to receive the encoding of floats {@code [from, to)} into, positioned at 0. */
    ByteBuffer receiver(long from, long to, long gradient) {
        receiving = sized(receiving, bytes(from, to, gradient));
        return receiving.duplicate().order(ByteOrder.nativeOrder());
    }

    /** Adds the floats received (into {@link #receiver}'s buffer) to floats {@code [from, to)} of {@code vector}. */
    void addReceived(FloatVector vector, long from, long to, long gradient) {
        decode(vector, from, to, gradient, true);
    }

    /** Writes the floats received over floats {@code [from, to)} of {@code vector}. */
    void copyReceived(FloatVector vector, long from, long to, long gradient) {
        decode(vector, from, to, gradient, false);
    }

    /** Rounds floats {@code [from, to)} of {@code vector} to bf16 in place (kept as floats). */
    void round(FloatVector vector, long from, long to) {
        for (long at = from; at < to; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, to - at);
            vector.getBits(at, bits, m);
            for (int j = 0; j < m; j++) {
                bits[j] = Bf16.roundTripBits(bits[j]);
            }
            vector.putBits(at, bits, m);
        }
    }

    /**
     * NOTE: the addition is {@code own + received}, the order {@link FloatVector#addFrom} adds in, so a bf16 ring
     * sums in the same order as an fp32 one (float addition is commutative, the bits would be the same either way).
     */
    private void decode(FloatVector vector, long from, long to, long gradient, boolean add) {
        long split = Math.max(from, Math.min(to, gradient));
        ShortBuffer head = receiving.duplicate().order(ByteOrder.nativeOrder()).limit(half(from, split))
                .asShortBuffer();
        for (long at = from; at < split; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, split - at);
            head.get(halves, 0, m);
            for (int j = 0; j < m; j++) {
                bits[j] = halves[j] << 16; // the bf16's float: its bits in the upper half
            }
            if (!add) {
                vector.putBits(at, bits, m);
                continue;
            }
            cast.toFloats(bits, received, m);
            vector.get(at, floats, m);
            for (int j = 0; j < m; j++) {
                floats[j] += received[j];
            }
            vector.put(at, floats, m);
        }
        FloatBuffer tail = receiving.duplicate().order(ByteOrder.nativeOrder()).position(half(from, split))
                .limit((int) bytes(from, to, gradient)).slice().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (long at = split; at < to; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, to - at);
            tail.get(received, 0, m);
            if (add) {
                vector.get(at, floats, m);
                for (int j = 0; j < m; j++) {
                    floats[j] += received[j];
                }
                vector.put(at, floats, m);
            } else {
                vector.put(at, received, m);
            }
        }
    }

    private static int half(long from, long split) {
        return Math.toIntExact(2 * (split - from));
    }

    /** {@code buffer} if it holds {@code bytes}, else a larger one; positioned at 0, limited to {@code bytes}. */
    private static ByteBuffer sized(ByteBuffer buffer, long bytes) {
        int needed = Math.toIntExact(bytes);
        ByteBuffer b = buffer.capacity() >= needed ? buffer
                : ByteBuffer.allocateDirect(needed).order(ByteOrder.nativeOrder());
        b.clear().limit(needed);
        return b;
    }
}
