package org.sparkddp.worker.engine;

/**
 * ReLU and its derivative over Java arrays, without branches. Runs on an executor, in the engine's layers.
 *
 * <p>Why no branches: whether a pre-activation is positive is a coin toss on real data, and HotSpot's x86 code for a
 * float {@code ?:} is a jump, so the obvious loops mispredict about every other element; the profile put such loops
 * at the top of the shipped CNN's first block. {@link Math#max(float, float)} is a branch-free intrinsic, and the
 * derivative's mask is built in integer arithmetic. Same values as {@code v > 0 ? v : 0} (DL4J's ReLU, 0 at 0) for
 * every number; a NaN stays a NaN here, where that form gives 0.
 */
final class ReluKernels {
    private ReluKernels() {
    }

    /** {@code to[at + j] = max(from[from + j] + bias, 0)} for {@code j < count}. */
    static void biasRelu(float[] src, int from, float bias, float[] dst, int at, int count) {
        for (int j = 0; j < count; j++) {
            dst[at + j] = Math.max(src[from + j] + bias, 0f);
        }
    }

    /**
     * {@code g[j] = y[j] > 0 ? g[j] : 0} for {@code j < count}, where {@code y} is a ReLU's output (never negative,
     * never -0): the gradient's bits are kept where {@code y}'s bits are a positive integer, cleared where they are 0.
     */
    static void maskByOutput(float[] g, float[] y, int count) {
        for (int j = 0; j < count; j++) {
            g[j] = Float.intBitsToFloat(Float.floatToRawIntBits(g[j]) & positive(Float.floatToRawIntBits(y[j])));
        }
    }

    /** All ones when {@code bits > 0} (a positive float, or a NaN of positive sign), else zero. */
    static int positive(int bits) {
        return ((-bits) & ~bits) >> 31;
    }
}
