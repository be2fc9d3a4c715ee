package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link DnnlReorder} between oneDNN's blocked layout and plain NCHW, and {@link DnnlConvOp} on blocked activations
 * against the same op on plain ones (the plain one is checked against DL4J in {@code DnnlEngineTest}).
 */
class DnnlReorderTest {
    @org.junit.jupiter.api.BeforeAll
    static void loadNd4j() {
        org.nd4j.linalg.factory.Nd4j.zeros(1); // Dnnl holds OpenMP's thread count through ND4J's native ops
    }

    /** Blocked to plain and back gives the batch back, and the blocked order is nChw16c's. */
    @ParameterizedTest
    @CsvSource({"16,3,5,2", "32,14,14,7", "48,1,1,3"})
    void reordersRoundTrip(int channels, int height, int width, int n) {
        Shape shape = Shape.image(channels, height, width);
        int count = n * shape.size();
        try (DnnlReorder reorder = new DnnlReorder(shape);
             NativeFloats plain = DnnlOpFixtures.random(count, new Random(n), 0, 1);
             NativeFloats blocked = NativeFloats.allocate(count);
             NativeFloats back = NativeFloats.allocate(count)) {
            reorder.backward(null, null, plain, blocked, n); // plain to blocked
            int plane = shape.plane();
            for (int e = 0; e < n; e++) {
                for (int c = 0; c < channels; c++) {
                    for (int at = 0; at < plane; at++) {
                        int blockedIndex = ((e * (channels / 16) + c / 16) * plane + at) * 16 + c % 16;
                        assertEquals(plain.data.get((e * channels + c) * plane + at), blocked.data.get(blockedIndex),
                                "example " + e + " channel " + c + " position " + at);
                    }
                }
            }
            reorder.forward(blocked, back, n, true); // blocked to plain
            DnnlOpFixtures.assertClose(back, plain, count, 0, "the batch after two reorders");
        }
    }

    @org.junit.jupiter.api.Test
    void aVectorIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new DnnlReorder(Shape.vector(20)));
    }

    /** A convolution reading and writing blocked activations computes what it computes on plain ones. */
    @ParameterizedTest
    @CsvSource({"32,14,32,true,16", "16,12,32,true,5", "32,28,16,false,4"})
    void aConvolutionOnBlockedActivationsAgreesWithPlain(int inC, int size, int outC, boolean relu, int n) {
        Shape in = Shape.image(inC, size, size);
        Shape out = Shape.image(outC, size, size);
        Random random = new Random(inC + size);
        int[] k = {3, 3};
        int[] one = {1, 1};
        try (NativeFloats w = DnnlOpFixtures.random(outC * inC * 9L, random, 0, 0.3f);
             NativeFloats b = DnnlOpFixtures.random(outC, random, 0, 0.3f);
             NativeFloats x = DnnlOpFixtures.random((long) n * in.size(), random, 0, 1);
             NativeFloats g = DnnlOpFixtures.random((long) n * out.size(), random, 0, 1);
             NativeFloats dW = NativeFloats.allocate(outC * inC * 9L); NativeFloats db = NativeFloats.allocate(outC);
             NativeFloats dWb = NativeFloats.allocate(outC * inC * 9L); NativeFloats dbb = NativeFloats.allocate(outC);
             NativeFloats y = NativeFloats.allocate((long) n * out.size());
             NativeFloats gIn = NativeFloats.allocate((long) n * in.size());
             NativeFloats xb = NativeFloats.allocate((long) n * in.size());
             NativeFloats yb = NativeFloats.allocate((long) n * out.size());
             NativeFloats gb = NativeFloats.allocate((long) n * out.size());
             NativeFloats gInb = NativeFloats.allocate((long) n * in.size());
             NativeFloats back = NativeFloats.allocate((long) n * Math.max(in.size(), out.size()));
             DnnlReorder inReorder = new DnnlReorder(in); DnnlReorder outReorder = new DnnlReorder(out);
             DnnlConvOp plain = new DnnlConvOp(in, out, k, one, one, one, relu, w, b, dW, db);
             DnnlConvOp blocked = new DnnlConvOp(in, out, k, one, one, one, relu, w, b, dWb, dbb)) {
            blocked.useLayouts(true, true);
            inReorder.backward(null, null, x, xb, n);
            plain.forward(x, y, n, true);
            blocked.forward(xb, yb, n, true);
            outReorder.forward(yb, back, n, true);
            DnnlOpFixtures.assertClose(back, y, n * out.size(), 1e-5, "outputs");
            outReorder.backward(null, null, g, gb, n);
            plain.backward(x, y, g, gIn, n);
            blocked.backward(xb, yb, gb, gInb, n);
            DnnlOpFixtures.assertClose(dWb, dW, outC * inC * 9, 1e-5, "weight gradients");
            DnnlOpFixtures.assertClose(dbb, db, outC, 1e-5, "bias gradients");
            inReorder.forward(gInb, back, n, true);
            DnnlOpFixtures.assertClose(back, gIn, n * in.size(), 1e-5, "input gradients");
        }
    }
}
