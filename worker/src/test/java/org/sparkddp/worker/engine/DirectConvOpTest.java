package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The direct convolution against the im2col one ({@link ConvOp}), two independent computations of DL4J's convolution
 * (both also checked against DL4J in {@link ImageEngineTest}), on odd shapes: batch 1 and 3, odd and non-square images, even and odd kernels, "same"
 * padding (more below and right than above and left for an even kernel) and truncate padding, with and without the
 * fused ReLU, and the input gradient that a first layer does not need.
 */
class DirectConvOpTest {
    @ParameterizedTest(name = "{0} ch {1}x{2} x{3} filters, kernel {4}x{5}, {6} pad {7}, relu {8}")
    @CsvSource({
            "1, 28, 28, 8, 3, 3, same, 0, true, 2",
            "1, 7, 5, 3, 3, 3, same, 0, true, 1",
            "2, 6, 9, 4, 2, 2, same, 0, false, 3",
            "3, 5, 5, 2, 3, 2, truncate, 1, true, 3",
            "1, 9, 6, 3, 3, 3, truncate, 0, false, 1",
            "2, 4, 4, 5, 1, 1, truncate, 0, true, 2",
            "1, 6, 7, 2, 5, 5, same, 0, true, 1",
            // more channels than the engine gives this kernel: checks ConvOp's shifted-plane im2col and col2im
            "5, 6, 6, 3, 4, 4, same, 0, true, 2",
            "4, 7, 5, 2, 3, 3, same, 0, false, 3",
            "4, 5, 8, 3, 5, 5, same, 0, true, 1",
            "4, 6, 7, 3, 3, 3, truncate, 1, true, 2",
            "6, 3, 4, 2, 2, 2, same, 0, false, 1",
            "4, 2, 9, 3, 5, 3, same, 0, true, 2",
    })
    void agreesWithIm2col(int channels, int h, int w, int filters, int kh, int kw, String mode, int pad,
                          boolean relu, int n) {
        int outH;
        int outW;
        int[] padding;
        if (mode.equals("same")) {
            outH = h;
            outW = w;
            padding = new int[] {(outH - 1 + kh - h) / 2, (outW - 1 + kw - w) / 2};
        } else {
            outH = ConvOp.truncateSize(h, kh, 1, pad);
            outW = ConvOp.truncateSize(w, kw, 1, pad);
            padding = new int[] {pad, pad};
        }
        Shape in = Shape.image(channels, h, w);
        Shape out = Shape.image(filters, outH, outW);
        Random random = new Random(channels * 1000 + h * 10 + w);
        int[] kernel = {kh, kw};
        try (NativeFloats weights = filled(filters * channels * kh * kw, random);
             NativeFloats bias = filled(filters, random);
             NativeFloats x = filled(n * in.size(), random);
             NativeFloats gradOut = filled(n * out.size(), random);
             Run direct = new Run(n, in, out);
             Run im2col = new Run(n, in, out)) {
            EngineLayer a = new DirectConvOp(in, out, kernel, padding, relu, weights, bias, direct.dW, direct.db);
            EngineLayer b = new ConvOp(in, out, kernel, new int[] {1, 1}, padding, relu, weights, bias, im2col.dW,
                    im2col.db);
            try (a; b) {
                direct.run(a, x, gradOut);
                im2col.run(b, x, gradOut);
            }
            close(direct.y, im2col.y, "output");
            close(direct.dW, im2col.dW, "weight gradient");
            close(direct.db, im2col.db, "bias gradient");
            close(direct.dx, im2col.dx, "input gradient");
        }
    }

    /**
     * {@link ConvOp} in chunks of 1 and 2 examples against one chunk of the whole batch: the chunks' products write
     * their own columns of the output and input gradient, and their weight and bias gradients add up to the batch's.
     * Strided, padded, pointwise and "same" shapes (each takes another im2col: general, shifted planes, none).
     */
    @ParameterizedTest(name = "{0} ch {1}x{2} x{3} filters, kernel {4}, stride {5}, pad {6}, relu {7}, batch {8}")
    @CsvSource({
            "4, 7, 5, 3, 3, 1, 1, true, 5",
            "3, 9, 8, 4, 3, 2, 1, false, 5",
            "5, 6, 6, 3, 1, 1, 0, true, 4",
            "2, 5, 7, 2, 2, 2, 0, true, 3",
    })
    void chunksAgreeWithOneChunk(int channels, int h, int w, int filters, int k, int stride, int pad, boolean relu,
                                 int n) {
        Shape in = Shape.image(channels, h, w);
        Shape out = Shape.image(filters, ConvOp.truncateSize(h, k, stride, pad),
                ConvOp.truncateSize(w, k, stride, pad));
        Random random = new Random(channels * 1000 + h * 10 + w);
        int[] kernel = {k, k};
        int[] strides = {stride, stride};
        int[] padding = {pad, pad};
        try (NativeFloats weights = filled(filters * channels * k * k, random);
             NativeFloats bias = filled(filters, random);
             NativeFloats x = filled(n * in.size(), random);
             NativeFloats gradOut = filled(n * out.size(), random);
             Run whole = new Run(n, in, out)) {
            EngineLayer one = new ConvOp(in, out, kernel, strides, padding, relu, weights, bias, whole.dW, whole.db,
                    n);
            try (one) {
                whole.run(one, x, gradOut);
            }
            for (int chunk : new int[] {1, 2}) {
                try (Run chunked = new Run(n, in, out);
                     EngineLayer layer = new ConvOp(in, out, kernel, strides, padding, relu, weights, bias,
                             chunked.dW, chunked.db, chunk)) {
                    chunked.run(layer, x, gradOut);
                    close(chunked.y, whole.y, "output, chunks of " + chunk);
                    close(chunked.dW, whole.dW, "weight gradient, chunks of " + chunk);
                    close(chunked.db, whole.db, "bias gradient, chunks of " + chunk);
                    close(chunked.dx, whole.dx, "input gradient, chunks of " + chunk);
                }
            }
        }
    }

    /** One layer's output and gradients for a batch, in buffers of its own. */
    private static final class Run implements AutoCloseable {
        final int n;
        final NativeFloats y;
        final NativeFloats dx;
        final NativeFloats dW;
        final NativeFloats db;
        final NativeFloats g;

        Run(int n, Shape in, Shape out) {
            this.n = n;
            y = NativeFloats.allocate((long) n * out.size());
            dx = NativeFloats.allocate((long) n * in.size());
            dW = NativeFloats.allocate((long) out.channels() * in.channels() * 25);
            db = NativeFloats.allocate(out.channels());
            g = NativeFloats.allocate((long) n * out.size());
        }

        void run(EngineLayer layer, NativeFloats x, NativeFloats gradOut) {
            layer.forward(x, y, n, true);
            for (int i = 0; i < g.length; i++) {
                g.data.put(i, gradOut.data.get(i)); // backward may overwrite its gradOut
            }
            layer.backward(x, y, g, dx, n);
        }

        @Override
        public void close() {
            for (NativeFloats f : new NativeFloats[] {y, dx, dW, db, g}) {
                f.close();
            }
        }
    }

    private static NativeFloats filled(int length, Random random) {
        NativeFloats f = NativeFloats.allocate(length);
        for (int i = 0; i < length; i++) {
            f.data.put(i, random.nextFloat() * 2 - 1);
        }
        return f;
    }

    /** Equal within 1e-5 of the larger magnitude (the sums run in another order), and not all zero. */
    private static void close(NativeFloats actual, NativeFloats expected, String what) {
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected.data.get(i)));
            worst = Math.max(worst, Math.abs(actual.data.get(i) - expected.data.get(i)));
        }
        assertTrue(scale > 0, what + " is all zero: the comparison would prove nothing");
        assertTrue(worst <= 1e-5 * scale, what + " differs by " + worst + " (largest magnitude " + scale + ")");
    }
}
