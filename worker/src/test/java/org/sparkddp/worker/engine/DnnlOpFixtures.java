package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

/**
 * What the oneDNN ops' tests share: random buffers, the transposition between the Java ops' channel-major layout
 * ({@code [C, N, H, W]}) and oneDNN's NCHW, and a comparison relative to the larger magnitude.
 */
final class DnnlOpFixtures {
    private DnnlOpFixtures() {
    }

    /** {@code length} floats uniform in {@code [center - spread, center + spread)}. */
    static NativeFloats random(long length, Random random, float center, float spread) {
        NativeFloats f = NativeFloats.allocate(length);
        for (int i = 0; i < f.length; i++) {
            f.data.put(i, center + (random.nextFloat() * 2 - 1) * spread);
        }
        return f;
    }

    static NativeFloats copy(NativeFloats from) {
        NativeFloats to = NativeFloats.allocate(from.length);
        for (int i = 0; i < from.length; i++) {
            to.data.put(i, from.data.get(i));
        }
        return to;
    }

    /** A batch of {@code n} images of {@code shape} from NCHW into a new channel-major buffer. */
    static NativeFloats toChannelMajor(NativeFloats nchw, Shape shape, int n) {
        NativeFloats cnhw = NativeFloats.allocate((long) n * shape.size());
        transpose(nchw, cnhw, shape, n, true);
        return cnhw;
    }

    /** A batch of {@code n} images of {@code shape} from channel-major into a new NCHW buffer. */
    static NativeFloats toNchw(NativeFloats cnhw, Shape shape, int n) {
        NativeFloats nchw = NativeFloats.allocate((long) n * shape.size());
        transpose(cnhw, nchw, shape, n, false);
        return nchw;
    }

    private static void transpose(NativeFloats from, NativeFloats to, Shape shape, int n, boolean fromNchw) {
        int plane = shape.plane();
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < shape.channels(); c++) {
                int nchw = (e * shape.channels() + c) * plane;
                int cnhw = (c * n + e) * plane;
                for (int i = 0; i < plane; i++) {
                    if (fromNchw) {
                        to.data.put(cnhw + i, from.data.get(nchw + i));
                    } else {
                        to.data.put(nchw + i, from.data.get(cnhw + i));
                    }
                }
            }
        }
    }

    /**
     * The first {@code count} floats agree within {@code tolerance} of the larger magnitude of {@code expected}, and
     * are not all zero (a comparison of zeros would prove nothing).
     */
    static void assertClose(NativeFloats actual, NativeFloats expected, int count, double tolerance, String what) {
        assertClose(actual, expected, count, tolerance, 0, what);
    }

    /**
     * {@link #assertClose(NativeFloats, NativeFloats, int, double, String)} relative to at least {@code floor}: for a
     * result that is a difference of larger terms, whose rounding scales with the terms.
     */
    static void assertClose(NativeFloats actual, NativeFloats expected, int count, double tolerance, double floor,
                            String what) {
        double scale = 0;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < count; i++) {
            scale = Math.max(scale, Math.abs(expected.data.get(i)));
            double d = Math.abs(actual.data.get(i) - expected.data.get(i));
            if (!(d <= worst)) {
                worst = d;
                at = i;
            }
        }
        assertTrue(scale > 0, what + " is all zero: the comparison would prove nothing");
        scale = Math.max(scale, floor);
        assertTrue(worst <= tolerance * scale, what + " differs by " + worst + " at " + at + " (largest magnitude "
                + scale + ", tolerance " + tolerance + " of it)");
    }
}
