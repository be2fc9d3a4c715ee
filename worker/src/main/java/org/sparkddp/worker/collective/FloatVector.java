package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A logical vector of float32 values made of one or more segments of native memory (typically a network's
 * gradient view plus a few extra scalars), so that one all-reduce moves them all. Slices of it are gathered for
 * writing and scattered for reading without copying. Runs on executors.
 *
 * <p>Lengths and offsets are 64-bit: a single {@link ByteBuffer} holds at most 2 GiB, so a vector of more than
 * 2^29 floats is several segments, and every range here may span them.
 */
public final class FloatVector {
    private final ByteBuffer[] segments;
    private final long[] starts;
    private final long length;

    /** @param segments native-order buffers holding whole floats; their positions and limits are ignored */
    public FloatVector(ByteBuffer... segments) {
        this.segments = new ByteBuffer[segments.length];
        this.starts = new long[segments.length];
        long total = 0;
        for (int i = 0; i < segments.length; i++) {
            ByteBuffer s = segments[i].duplicate().clear().order(ByteOrder.nativeOrder());
            if (s.capacity() % Float.BYTES != 0) {
                throw new IllegalArgumentException("segment " + i + " holds " + s.capacity() + " bytes, not whole floats");
            }
            this.segments[i] = s;
            this.starts[i] = total;
            total += s.capacity() / Float.BYTES;
        }
        this.length = total;
    }

    /** Number of floats, over all segments. */
    public long length() {
        return length;
    }

    /** Buffers covering floats {@code [from, to)}, positioned and limited, ready for a gathering write or scattering read. */
    ByteBuffer[] slice(long from, long to) {
        List<ByteBuffer> pieces = new ArrayList<>(2);
        for (int i = 0; i < segments.length; i++) {
            long segStart = starts[i];
            long segEnd = segStart + segments[i].capacity() / Float.BYTES;
            long a = Math.max(from, segStart);
            long b = Math.min(to, segEnd);
            if (a < b) {
                ByteBuffer piece = segments[i].duplicate().order(ByteOrder.nativeOrder());
                piece.limit((int) ((b - segStart) * Float.BYTES)).position((int) ((a - segStart) * Float.BYTES));
                pieces.add(piece);
            }
        }
        return pieces.toArray(new ByteBuffer[0]);
    }

    /**
     * Adds {@code to - from} floats from {@code addend} (starting at its position 0) into floats {@code [from, to)};
     * {@code addend} holds at most 2 GiB, so callers add a long range piece by piece.
     *
     * <p>NOTE: through bulk copies into heap arrays and a plain loop, which the JIT vectorizes; reading and
     * writing direct buffers element by element was several times slower. The order of additions is fixed, so
     * the result is the same bits on every rank that runs it.
     */
    void addFrom(ByteBuffer addend, long from, long to, float[] scratchA, float[] scratchB) {
        FloatBuffer source = addend.duplicate().order(ByteOrder.nativeOrder()).clear().asFloatBuffer();
        int k = 0;
        for (ByteBuffer piece : slice(from, to)) {
            FloatBuffer target = piece.asFloatBuffer();
            int n = target.remaining();
            for (int done = 0; done < n; done += scratchA.length) {
                int m = Math.min(scratchA.length, n - done);
                target.get(done, scratchA, 0, m);
                source.get(k + done, scratchB, 0, m);
                for (int j = 0; j < m; j++) {
                    scratchA[j] += scratchB[j];
                }
                target.put(done, scratchA, 0, m);
            }
            k += n;
        }
    }

    /** Copies floats {@code [from, from + count)} into {@code into[0, count)}. */
    void get(long from, float[] into, int count) {
        int k = 0;
        for (ByteBuffer piece : slice(from, from + count)) {
            int m = piece.remaining() / Float.BYTES;
            piece.asFloatBuffer().get(into, k, m);
            k += m;
        }
    }

    /** Copies {@code values[0, count)} into floats {@code [from, from + count)}. */
    void put(long from, float[] values, int count) {
        int k = 0;
        for (ByteBuffer piece : slice(from, from + count)) {
            int m = piece.remaining() / Float.BYTES;
            piece.asFloatBuffer().put(values, k, m);
            k += m;
        }
    }

    /** Copies the bits of floats {@code [from, from + count)} into {@code into[0, count)}, as ints. */
    void getBits(long from, int[] into, int count) {
        int k = 0;
        for (ByteBuffer piece : slice(from, from + count)) {
            int m = piece.remaining() / Float.BYTES;
            piece.asIntBuffer().get(into, k, m);
            k += m;
        }
    }

    /** Writes {@code bits[0, count)} as the bits of floats {@code [from, from + count)}. */
    void putBits(long from, int[] bits, int count) {
        int k = 0;
        for (ByteBuffer piece : slice(from, from + count)) {
            int m = piece.remaining() / Float.BYTES;
            piece.asIntBuffer().put(bits, k, m);
            k += m;
        }
    }

    /** Copies floats {@code [from, to)} of {@code source} into the same floats of this vector. */
    void copyFrom(FloatVector source, long from, long to) {
        ByteBuffer[] targets = slice(from, to);
        ByteBuffer[] sources = source.slice(from, to);
        int s = 0;
        for (ByteBuffer target : targets) {
            while (target.hasRemaining()) {
                ByteBuffer in = sources[s];
                int m = Math.min(target.remaining(), in.remaining());
                ByteBuffer part = in.duplicate();
                part.limit(part.position() + m);
                target.put(part);
                in.position(in.position() + m);
                if (!in.hasRemaining()) {
                    s++;
                }
            }
        }
    }

    /**
     * Adds floats {@code [from, to)} of {@code addend} into the same floats of this vector, in bounded heap blocks.
     */
    void addFrom(FloatVector addend, long from, long to, float[] scratchA, float[] scratchB) {
        long done = from;
        for (ByteBuffer piece : addend.slice(from, to)) {
            long m = piece.remaining() / Float.BYTES;
            addFrom(piece.slice().order(ByteOrder.nativeOrder()), done, done + m, scratchA, scratchB);
            done += m;
        }
    }
}
