package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Error feedback for a gradient that crosses the wire as bf16 (Seide et al., "1-bit stochastic gradient descent and
 * its application to data-parallel distributed training of speech DNNs", Interspeech 2014; Karimireddy et al.,
 * "Error feedback fixes SignSGD", ICML 2019): what rounding leaves out of this contribution is added to the next
 * one, so that nothing is lost, only late. Runs on executors, owned by the one ring member whose contribution it
 * corrects (a rank of the flat ring; a host's or JVM's leader, for its host's or JVM's sum; in
 * {@link TorusCollective}, every rank, for its host's sum of its local chunk).
 *
 * <p>Each call replaces the gradient {@code g} by {@code q = bf16(g + e)} and keeps {@code e = (g + e) - q} (exact in
 * float: {@code q} is {@code g + e} rounded to fewer bits). So the sum of everything sent plus the residual is the
 * sum of every gradient given: the sent sum tracks the true sum within the last residual, half a bf16 step.
 *
 * <p>The residual is fp32, one float per gradient entry, in native memory (a large model's would not fit a heap
 * array), zero at first: it lives as long as its collective, one stage.
 */
final class ErrorFeedback {
    /** Floats per block of the pass: two heap blocks stay in a core's L2 cache. */
    private static final int BLOCK_FLOATS = 1 << 14;
    /** Floats per segment of the residual: a {@link ByteBuffer} holds less than 2 GiB. */
    private static final int SEGMENT_FLOATS = 1 << 28;

    private FloatVector residual;
    /** The first float of the vector that the residual's float 0 corrects. */
    private long residualFrom;
    private final float[] gradient = new float[BLOCK_FLOATS];
    private final float[] error = new float[BLOCK_FLOATS];
    private final float[] sent = new float[BLOCK_FLOATS];
    private final int[] bits = new int[BLOCK_FLOATS];
    private final FloatBits cast = new FloatBits(BLOCK_FLOATS);

    /**
     * Replaces floats {@code [0, length)} of {@code vector} by their bf16 values after adding the residual, and keeps
     * what rounding left out as the next residual.
     *
     * @throws IllegalArgumentException if {@code length} differs from an earlier call's: a residual belongs to one
     *                                  gradient
     */
    void apply(FloatVector vector, long length) {
        apply(vector, 0, length);
    }

    /**
     * As {@link #apply(FloatVector, long)}, for floats {@code [from, to)} only: a ring over part of the vector
     * ({@link TorusCollective}'s rings across hosts) corrects only the part it sends.
     *
     * @throws IllegalArgumentException if the range differs from an earlier call's
     */
    void apply(FloatVector vector, long from, long to) {
        apply(vector, from, to, from, to);
    }

    /**
     * As {@link #apply(FloatVector, long, long)} for the gradient's floats {@code [from, to)}, applied to the part
     * {@code [partFrom, partTo)} of them only (an overlapped step's bucket): the residual's other floats wait for their
     * own parts. Element by element the same arithmetic, so parts that tile the range do what one call does.
     */
    void apply(FloatVector vector, long from, long to, long partFrom, long partTo) {
        long length = to - from;
        if (partFrom < from || partTo > to || partFrom > partTo) {
            throw new IllegalArgumentException("floats [" + partFrom + ", " + partTo + ") are not part of the"
                    + " gradient's [" + from + ", " + to + ")");
        }
        if (residual == null) {
            residual = zeros(length);
            residualFrom = from;
        }
        if (residual.length() != length || residualFrom != from) {
            // A whole-vector residual (the flat ring's) is named by its length alone; a window by its floats.
            throw new IllegalArgumentException(residualFrom == 0 && from == 0
                    ? "error feedback holds a residual of " + residual.length() + " floats, but was given a gradient of "
                            + length
                    : "error feedback holds a residual for floats [" + residualFrom + ", "
                            + (residualFrom + residual.length()) + "), but was given a gradient's floats [" + from
                            + ", " + to + ")");
        }
        for (long at = partFrom - from; at < partTo - from; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, partTo - from - at);
            vector.get(from + at, gradient, m);
            residual.get(at, error, m);
            // corrected = g + e; sent = bf16(corrected); e = corrected - sent: three plain loops
            for (int j = 0; j < m; j++) {
                gradient[j] += error[j];
            }
            cast.toBits(gradient, bits, m);
            for (int j = 0; j < m; j++) {
                bits[j] = Bf16.roundTripBits(bits[j]);
            }
            cast.toFloats(bits, sent, m);
            for (int j = 0; j < m; j++) {
                error[j] = gradient[j] - sent[j];
            }
            vector.put(from + at, sent, m);
            residual.put(at, error, m);
        }
    }

    /** The residual's floats {@code [0, length)} (tests). */
    float[] residual(int length) {
        float[] out = new float[length];
        if (residual != null) {
            residual.get(0, out, length);
        }
        return out;
    }

    private static FloatVector zeros(long length) {
        List<ByteBuffer> segments = new ArrayList<>();
        for (long at = 0; at < length; at += SEGMENT_FLOATS) {
            int floats = (int) Math.min(SEGMENT_FLOATS, length - at);
            segments.add(ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder()));
        }
        return new FloatVector(segments.toArray(new ByteBuffer[0]));
    }
}
