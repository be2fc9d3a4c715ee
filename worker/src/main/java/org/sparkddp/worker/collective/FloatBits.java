package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * Reinterprets blocks of floats as their bits and back, through a buffer both are views of: two bulk copies, which
 * keep the loops on either side plain array loops the JIT vectorizes (a call per element to
 * {@link Float#floatToRawIntBits} would not be). Runs on executors, in the bf16 codec; one per user thread.
 */
final class FloatBits {
    private final FloatBuffer floats;
    private final IntBuffer ints;

    /** @param block the most floats one call converts */
    FloatBits(int block) {
        ByteBuffer shared = ByteBuffer.allocateDirect(block * Float.BYTES).order(ByteOrder.nativeOrder());
        this.floats = shared.asFloatBuffer();
        this.ints = shared.asIntBuffer();
    }

    void toBits(float[] from, int[] to, int count) {
        floats.put(0, from, 0, count);
        ints.get(0, to, 0, count);
    }

    void toFloats(int[] from, float[] to, int count) {
        ints.put(0, from, 0, count);
        floats.get(0, to, 0, count);
    }
}
