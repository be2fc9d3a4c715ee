package org.sparkddp.worker.collective;

/**
 * bfloat16, the upper half of a float32's bits: the same sign and 8-bit exponent (the same range), 7 bits of
 * mantissa instead of 23. Runs on executors, on gradients that cross a socket under {@code training.wire = bf16}.
 *
 * <p>Rounding is round-to-nearest-even on the float's bits, as IEEE 754 rounds: a float halfway between two bf16
 * values goes to the one whose last mantissa bit is 0; subnormals round the same way (the bits are monotonic in
 * the value); a finite float at or past the halfway point above bf16's largest finite value becomes infinity, as
 * IEEE overflow does; infinities stay infinities, and a NaN stays a NaN (quieted, so that cutting its low bits never
 * makes it an infinity).
 */
final class Bf16 {
    private static final int SIGN_CLEARED = 0x7fffffff;
    private static final int INFINITY_BITS = 0x7f800000;
    /** The quiet bit of a NaN's mantissa, in bf16's 16 bits. */
    private static final int QUIET = 0x0040;

    private Bf16() {
    }

    /** The bf16 nearest to {@code value} (ties to even), as its 16 bits. */
    static short round(float value) {
        return (short) roundBits(Float.floatToRawIntBits(value));
    }

    /**
     * {@link #round} on a float's bits, in the low 16 bits of the result: integer operations only, so that a loop of
     * them over an array is one the JIT can vectorize.
     */
    static int roundBits(int bits) {
        // NOTE: adding 0x7fff, plus 1 when the kept part is odd, carries into the kept bits exactly when the cut
        // part is more than half (or exactly half and the kept part odd); a carry out of the mantissa moves the
        // exponent up, which is the right next value, up to infinity. A NaN is cut and quieted instead (its carry
        // could reach the sign). Branch-free, so that the loops over whole pieces stay straight lines.
        int rounded = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
        int nan = (INFINITY_BITS - (bits & SIGN_CLEARED)) >> 31; // all ones for a NaN, else 0
        return ((rounded & ~nan) | (((bits >>> 16) | QUIET) & nan)) & 0xffff;
    }

    /** The float32 a bf16 stands for: exact, every bf16 is a float. */
    static float widen(short bf16) {
        return Float.intBitsToFloat(bf16 << 16);
    }

    /** {@link #roundTrip} on a float's bits. */
    static int roundTripBits(int bits) {
        return roundBits(bits) << 16;
    }

    /** {@code value} rounded to bf16 and widened back: the float the other end of the wire reads. */
    static float roundTrip(float value) {
        return widen(round(value));
    }
}
