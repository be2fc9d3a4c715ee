package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every oneDNN op binds the engine's buffers to its memory objects through one checked binding
 * ({@link DnnlResources#bind}): a buffer smaller than the memory's descriptor is refused in one line naming the op
 * and both sizes, before oneDNN could read or write past its end.
 */
class DnnlBindingTest {
    private static final int N = 2;
    private static final Shape IMAGE = Shape.image(16, 6, 6);
    private static final int BATCH = N * IMAGE.size();
    private static final int WEIGHTS = 16 * 16 * 9;

    @BeforeAll
    static void loadNd4j() {
        org.nd4j.linalg.factory.Nd4j.zeros(1); // Dnnl holds OpenMP's thread count through ND4J's native ops
    }

    /** A convolution's activations and gradients, one buffer a float short at a time, and its weights. */
    @Test
    void aConvolutionRefusesABufferSmallerThanItsMemory() {
        String op = "convolution " + IMAGE + " -> " + IMAGE;
        String batch = BATCH + " floats over a buffer of " + (BATCH - 1);
        Random random = new Random(1);
        try (NativeFloats w = DnnlOpFixtures.random(WEIGHTS, random, 0, 0.3f);
             NativeFloats b = DnnlOpFixtures.random(16, random, 0, 0.3f);
             NativeFloats dW = NativeFloats.allocate(WEIGHTS); NativeFloats db = NativeFloats.allocate(16);
             NativeFloats x = DnnlOpFixtures.random(BATCH, random, 0, 1);
             NativeFloats y = NativeFloats.allocate(BATCH); NativeFloats g = NativeFloats.allocate(BATCH);
             NativeFloats gIn = NativeFloats.allocate(BATCH); NativeFloats shortOne = NativeFloats.allocate(BATCH - 1);
             NativeFloats shortWeights = NativeFloats.allocate(WEIGHTS - 1);
             DnnlConvOp conv = conv(w, b, dW, db);
             DnnlConvOp shortConv = conv(shortWeights, b, dW, db)) {
            refused(op, batch, () -> conv.forward(shortOne, y, N, true));
            refused(op, batch, () -> conv.forward(x, shortOne, N, true));
            conv.forward(x, y, N, true); // the right sizes still run
            refused(op, batch, () -> conv.backward(shortOne, y, g, gIn, N));
            refused(op, batch, () -> conv.backward(x, y, shortOne, gIn, N));
            refused(op, batch, () -> conv.backward(x, y, g, shortOne, N));
            refused(op, WEIGHTS + " floats over a buffer of " + (WEIGHTS - 1), () -> shortConv.forward(x, y, N, true));
        }
    }

    /** Pooling and reorders bind through the same check, named for their op. */
    @Test
    void poolingAndReordersRefuseABufferSmallerThanTheirMemory() {
        Shape pooled = Shape.image(16, 3, 3);
        try (NativeFloats x = DnnlOpFixtures.random(BATCH, new Random(2), 0, 1);
             NativeFloats y = NativeFloats.allocate(N * pooled.size() - 1);
             NativeFloats shortOne = NativeFloats.allocate(BATCH - 1);
             DnnlPoolOp pool = new DnnlPoolOp(IMAGE, pooled, true, new int[] {2, 2}, new int[] {2, 2});
             DnnlReorder reorder = new DnnlReorder(IMAGE)) {
            refused("pooling " + IMAGE + " -> " + pooled, N * pooled.size() + " floats over a buffer of "
                    + (N * pooled.size() - 1), () -> pool.forward(x, y, N, false));
            refused("reorder " + IMAGE, BATCH + " floats over a buffer of " + (BATCH - 1),
                    () -> reorder.forward(x, shortOne, N, true));
        }
    }

    private static DnnlConvOp conv(NativeFloats w, NativeFloats b, NativeFloats dW, NativeFloats db) {
        int[] one = {1, 1};
        return new DnnlConvOp(IMAGE, IMAGE, new int[] {3, 3}, one, one, one, true, w, b, dW, db);
    }

    private static void refused(String op, String sizes, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, op + ": " + sizes);
        assertEquals(op + ": a oneDNN memory of " + sizes, e.getMessage());
    }
}
