package org.sparkddp.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The bf16 codec and error feedback against plain references written here: rounding by exact decimal distances to
 * every bf16 value (no bit tricks), and error feedback as the three lines of its definition in doubles.
 */
class Bf16Test {
    /** Every finite positive bf16 value, by its bits 0x0000 to 0x7f7f, in increasing order, exactly. */
    private static final BigDecimal[] POSITIVE = new BigDecimal[0x7f80];
    /** Where rounding goes past the largest finite bf16: 2^128, the next value bf16 would have with more exponent. */
    private static final BigDecimal OVERFLOW = new BigDecimal(2).pow(128);

    static {
        for (int k = 0; k < POSITIVE.length; k++) {
            POSITIVE[k] = new BigDecimal(Float.intBitsToFloat(k << 16));
        }
    }

    /** The reference: the nearest bf16 by exact distance, ties to the even bits, overflow to infinity. */
    static float reference(float x) {
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        if (Float.isInfinite(x)) {
            return x;
        }
        BigDecimal magnitude = new BigDecimal(Math.abs(x));
        int below = 0; // the largest bits whose value is <= |x|, by bisection
        int hi = POSITIVE.length - 1;
        while (below < hi) {
            int mid = (below + hi + 1) >>> 1;
            if (POSITIVE[mid].compareTo(magnitude) <= 0) {
                below = mid;
            } else {
                hi = mid - 1;
            }
        }
        BigDecimal down = POSITIVE[below];
        BigDecimal up = below + 1 < POSITIVE.length ? POSITIVE[below + 1] : OVERFLOW;
        int order = magnitude.subtract(down).compareTo(up.subtract(magnitude));
        boolean takeUp = order > 0 || (order == 0 && (below & 1) == 1);
        float value = takeUp ? (below + 1 < POSITIVE.length ? Float.intBitsToFloat((below + 1) << 16)
                : Float.POSITIVE_INFINITY) : Float.intBitsToFloat(below << 16);
        return Math.copySign(value, x);
    }

    @Test
    void roundsEdgeCasesAsTheReference() {
        float one = 1f;
        float bf16Ulp = 0x1p-7f; // bf16's step at 1
        float[] cases = {
            0f, -0f, one, -one,
            one + bf16Ulp / 2,             // a tie: down to 1 (even)
            one + 3 * bf16Ulp / 2,         // a tie: up to 1 + 2 ulp (even)
            one + bf16Ulp / 2 + 0x1p-23f,  // just past the tie: up
            one + bf16Ulp / 2 - 0x1p-23f,  // just short of it: down
            -(one + 3 * bf16Ulp / 2),
            Float.MIN_VALUE,               // the smallest subnormal float: to 0
            Float.intBitsToFloat(0x00008000), // a subnormal tie: down to 0 (even)
            Float.intBitsToFloat(0x00018000), // a subnormal tie: up to 0x0002
            Float.intBitsToFloat(0x00010001), // the smallest bf16 subnormal and a bit
            Float.intBitsToFloat(0x007fffff), // the largest subnormal float: up to the smallest normal
            Float.MIN_NORMAL,
            Float.intBitsToFloat(0x7f7f0000), // bf16's largest finite value
            Float.intBitsToFloat(0x7f7f7fff), // below the overflow tie: stays finite
            Float.intBitsToFloat(0x7f7f8000), // the overflow tie: to infinity (0x7f7f is odd)
            Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.NaN, Float.intBitsToFloat(0x7f800001), // a NaN whose only mantissa bit is cut off
            Float.intBitsToFloat(0xffc00000), 3.14159265f, -2.71828e-30f, 6.0221e23f,
        };
        for (float x : cases) {
            assertSameFloat(reference(x), Bf16.roundTrip(x), "bf16(" + x + " = 0x"
                    + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
        }
        assertTrue(Float.isNaN(Bf16.roundTrip(Float.intBitsToFloat(0x7f800001))), "a NaN stays a NaN");
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.roundTrip(Float.intBitsToFloat(0xff7f8000)));
        assertEquals(Float.intBitsToFloat(0x7f7f0000), Bf16.roundTrip(Float.intBitsToFloat(0x7f7f7fff)));
    }

    @Test
    void roundsRandomFloatsOfEveryKindAsTheReference() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            // Random bits cover every exponent, subnormals and NaNs; the low 16 bits set to a tie now and then.
            int bits = random.nextInt();
            if (i % 4 == 0) {
                bits = (bits & 0xffff0000) | 0x8000;
            }
            float x = Float.intBitsToFloat(bits);
            assertSameFloat(reference(x), Bf16.roundTrip(x), "bf16(0x" + Integer.toHexString(bits) + ")");
            assertEquals(Bf16.roundTrip(x), Bf16.widen(Bf16.round(x)), 0f);
        }
    }

    @Test
    void errorFeedbackMatchesItsDefinitionOverSeveralSteps() {
        int n = 37;
        int steps = 25;
        SplittableRandom random = new SplittableRandom(11);
        ErrorFeedback feedback = new ErrorFeedback();
        float[] residual = new float[n];
        double[] trueSum = new double[n];
        double[] sentSum = new double[n];
        double[] magnitude = new double[n];
        for (int t = 0; t < steps; t++) {
            float[] gradient = new float[n];
            for (int i = 0; i < n; i++) {
                gradient[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5) - 2));
            }
            // The constant entry gains 1/3 of a bf16 step each time: rounding alone would never send it.
            gradient[0] = 1f + 0x1p-7f / 3;
            FloatVector vector = vector(gradient);
            feedback.apply(vector, n);
            float[] sent = read(vector, n);
            for (int i = 0; i < n; i++) {
                float corrected = gradient[i] + residual[i];       // the reference, in its definition's words
                float q = reference(corrected);
                residual[i] = corrected - q;
                assertSameFloat(q, sent[i], "step " + t + ", sent entry " + i);
                trueSum[i] += gradient[i];
                magnitude[i] += Math.abs(gradient[i]);
                sentSum[i] += sent[i];
            }
            float[] kept = feedback.residual(n);
            for (int i = 0; i < n; i++) {
                assertSameFloat(residual[i], kept[i], "step " + t + ", residual " + i);
                // What was sent plus what is held back is what was given: the sent sum lags the true sum by the
                // residual only (up to the float additions of the residual), at most half a bf16 step of the last
                // corrected value. The sums are doubles, so they add no rounding of their own.
                double lag = trueSum[i] - sentSum[i];
                double floatSlack = 1e-6 * magnitude[i];
                assertEquals(kept[i], lag, floatSlack, "step " + t + ", entry " + i);
                float halfStep = Math.ulp(sent[i] + kept[i]) * 0x1p15f;
                assertTrue(Math.abs(lag) <= halfStep + floatSlack, "step " + t + ", entry " + i + " lags " + lag
                        + ", more than half a bf16 step (" + halfStep + ")");
            }
        }
        // Without the feedback the constant entry would send 1 every time and lag by steps/3 bf16 steps.
        assertEquals(steps * (1f + 0x1p-7f / 3), sentSum[0], 0x1p-7, "the constant entry's sum");
    }

    @Test
    void errorFeedbackKeepsOneResidualPerGradient() {
        ErrorFeedback feedback = new ErrorFeedback();
        feedback.apply(vector(new float[] {1, 2, 3}), 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> feedback.apply(vector(new float[] {1, 2}), 2));
        assertEquals("error feedback holds a residual of 3 floats, but was given a gradient of 2", e.getMessage());
    }

    @Test
    void piecesEncodeTheGradientAsBf16AndTheRestExactly() {
        float[] values = {1.00390625f, -3.3f, 7e-20f, 123456.78f, 0.1f, 0.2f};
        int gradient = 4;
        Bf16Pieces sender = new Bf16Pieces();
        Bf16Pieces receiver = new Bf16Pieces();
        for (int from = 0; from <= values.length; from++) {
            for (int to = from; to <= values.length; to++) {
                ByteBuffer wire = sender.encode(vector(values), from, to, gradient);
                long expectedBytes = 2L * Math.max(0, Math.min(to, gradient) - from)
                        + 4L * (to - Math.max(from, Math.min(to, gradient)));
                assertEquals(expectedBytes, wire.remaining(), "bytes for [" + from + ", " + to + ")");
                receiver.receiver(from, to, gradient).put(wire);
                FloatVector copied = vector(new float[values.length]);
                receiver.copyReceived(copied, from, to, gradient);
                float[] ones = new float[values.length];
                java.util.Arrays.fill(ones, 1f);
                FloatVector added = vector(ones);
                receiver.addReceived(added, from, to, gradient);
                float[] c = read(copied, values.length);
                float[] a = read(added, values.length);
                for (int i = 0; i < values.length; i++) {
                    boolean inside = i >= from && i < to;
                    float sent = i < gradient ? reference(values[i]) : values[i];
                    assertSameFloat(inside ? sent : 0f, c[i], "copied [" + from + ", " + to + ") at " + i);
                    assertSameFloat(inside ? 1f + sent : 1f, a[i], "added [" + from + ", " + to + ") at " + i);
                }
            }
        }
    }

    static void assertSameFloat(float expected, float actual, String what) {
        boolean same = Float.isNaN(expected) ? Float.isNaN(actual)
                : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(actual);
        if (!same) {
            throw new AssertionError(what + ": expected " + expected + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(expected)) + ") but got " + actual + " (0x"
                    + Integer.toHexString(Float.floatToRawIntBits(actual)) + ")");
        }
    }

    /** Two segments, as a gradient view and the scalars are. */
    static FloatVector vector(float[] values) {
        return EveryRank.twoSegments(values, (values.length + 1) / 2);
    }

    static float[] read(FloatVector v, int n) {
        return EveryRank.read(v, n);
    }
}
