package org.sparkddp.common.nd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frees ND4J arrays' native memory when their owner is done with them, instead of waiting for the garbage
 * collector, which sees only their small Java objects and so may leave hundreds of megabytes of native memory
 * allocated across stages on an executor.
 */
public final class NativeArrays {
    private NativeArrays() {
    }

    /**
     * Frees the native memory of each array that owns its memory. Views, workspace arrays and arrays already
     * released are left alone: their memory belongs to another array. The caller must hold the only use of each.
     */
    public static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
