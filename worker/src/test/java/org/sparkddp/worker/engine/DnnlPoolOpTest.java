package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.worker.engine.DnnlOpFixtures.assertClose;
import static org.sparkddp.worker.engine.DnnlOpFixtures.copy;
import static org.sparkddp.worker.engine.DnnlOpFixtures.random;
import static org.sparkddp.worker.engine.DnnlOpFixtures.toChannelMajor;
import static org.sparkddp.worker.engine.DnnlOpFixtures.toNchw;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link DnnlPoolOp}, and {@link PoolOp} on NCHW, against {@link PoolOp} on channel-major images (transposing
 * between the two layouts) and against DL4J's own {@code SubsamplingLayer}: max and average pooling, forward in
 * training and inference and backward, on odd shapes, windows that overlap (stride below the kernel) or leave gaps (stride above it), a truncated last row and column,
 * and a smaller second batch through the same op (the max pooling workspace sized for the larger).
 *
 * <p>Inputs are uniform random floats, so no window holds two equal maxima and max pooling's routing is unique.
 * The tolerance, 1e-6 of the larger magnitude, is float rounding of average pooling's sums, added in another order.
 */
class DnnlPoolOpTest {
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "max {0}: {1} x{2}x{3}, window {4}x{5}, stride {6}x{7}, batches {8} then {9}")
    @CsvSource({
            "true, 32, 28, 28, 2, 2, 2, 2, 6, 3",
            "true, 3, 11, 9, 3, 3, 2, 2, 4, 1",
            "true, 2, 7, 8, 2, 3, 1, 2, 3, 2",
            "true, 4, 9, 10, 2, 2, 3, 3, 5, 2",
            "true, 5, 5, 5, 5, 5, 1, 1, 2, 1",
            "false, 32, 28, 28, 2, 2, 2, 2, 6, 3",
            "false, 3, 11, 9, 3, 3, 2, 2, 4, 1",
            "false, 2, 7, 8, 2, 3, 1, 2, 3, 2",
            "false, 4, 9, 10, 2, 2, 3, 3, 5, 2",
    })
    void agreesWithTheJavaOp(boolean max, int channels, int h, int w, int kh, int kw, int sh, int sw, int n,
                             int smaller) {
        Shape in = Shape.image(channels, h, w);
        Shape out = Shape.image(channels, ConvOp.truncateSize(h, kh, sh, 0), ConvOp.truncateSize(w, kw, sw, 0));
        int[] kernel = {kh, kw};
        int[] stride = {sh, sw};
        Random random = new Random(channels * 1000 + h * 10 + kh);
        try (PoolOp java = new PoolOp(in, out, max, kernel, stride);
             DnnlPoolOp dnnl = new DnnlPoolOp(in, out, max, kernel, stride);
             PoolOp javaOnNchw = new PoolOp(in, out, max, kernel, stride)) {
            for (int batch : new int[] {n, smaller, n}) {
                compare(java, dnnl, in, out, batch, random, TOLERANCE, "oneDNN, " + batch + " examples");
                // PoolOp pools plane after plane, whatever their order: on NCHW it computes exactly what it does on
                // channel-major images, so an NCHW network can keep it
                compare(java, javaOnNchw, in, out, batch, random, 0, "PoolOp on NCHW, " + batch + " examples");
            }
        }
    }

    private static void compare(PoolOp java, EngineLayer dnnl, Shape in, Shape out, int n, Random random,
                                double tolerance, String what) {
        try (NativeFloats x = random((long) n * in.size(), random, 0f, 1f);
             NativeFloats xj = toChannelMajor(x, in, n);
             NativeFloats y = NativeFloats.allocate((long) n * out.size());
             NativeFloats yj = NativeFloats.allocate((long) n * out.size());
             NativeFloats gradOut = random((long) n * out.size(), random, 0f, 1f);
             NativeFloats gj = toChannelMajor(gradOut, out, n);
             // gradIn starts as garbage: the op must write every element, not add to it
             NativeFloats dx = random((long) n * in.size(), random, 5f, 1f);
             NativeFloats dxj = NativeFloats.allocate((long) n * in.size())) {
            java.forward(xj, yj, n, true);
            dnnl.forward(x, y, n, true);
            assertSameLayout(y, yj, out, n, tolerance, "training output, " + what);
            java.backward(xj, yj, gj, dxj, n);
            dnnl.backward(x, y, gradOut, dx, n);
            assertSameLayout(dx, dxj, in, n, tolerance, "input gradient, " + what);
            java.forward(xj, yj, n, false);
            dnnl.forward(x, y, n, false);
            assertSameLayout(y, yj, out, n, tolerance, "inference output, " + what);
        }
    }

    private static void assertSameLayout(NativeFloats nchw, NativeFloats channelMajor, Shape shape, int n,
                                         double tolerance, String what) {
        try (NativeFloats expected = toNchw(channelMajor, shape, n)) {
            assertClose(nchw, expected, n * shape.size(), tolerance, what);
        }
    }

    /**
     * Ties, as after ReLU: most of the input is 0. Non-overlapping 2x2 windows, so each window's gradient must land
     * whole on one of its maxima and nowhere else (which maximum may differ from {@link PoolOp}'s).
     */
    @Test
    void maxPoolingRoutesATiedWindowsGradientToOneOfItsMaxima() {
        Shape in = Shape.image(3, 6, 8);
        Shape out = Shape.image(3, 3, 4);
        int n = 4;
        Random random = new Random(5);
        try (DnnlPoolOp dnnl = new DnnlPoolOp(in, out, true, new int[] {2, 2}, new int[] {2, 2});
             NativeFloats x = NativeFloats.allocate((long) n * in.size());
             NativeFloats y = NativeFloats.allocate((long) n * out.size());
             NativeFloats gradOut = random((long) n * out.size(), random, 2f, 1f);
             NativeFloats dx = NativeFloats.allocate((long) n * in.size())) {
            for (int i = 0; i < x.length; i++) {
                x.data.put(i, Math.max(0f, random.nextFloat() - 0.8f)); // 80% zeros
            }
            dnnl.forward(x, y, n, true);
            dnnl.backward(x, y, gradOut, dx, n);
            int ties = 0;
            for (int plane = 0; plane < n * in.channels(); plane++) {
                for (int r = 0; r < out.height(); r++) {
                    for (int c = 0; c < out.width(); c++) {
                        int o = plane * out.plane() + r * out.width() + c;
                        float best = y.data.get(o);
                        int holders = 0;
                        int maxima = 0;
                        for (int i = 0; i < 4; i++) {
                            int at = plane * in.plane() + (2 * r + i / 2) * in.width() + 2 * c + i % 2;
                            float v = x.data.get(at);
                            assertTrue(v <= best, "an input above its window's maximum");
                            maxima += v == best ? 1 : 0;
                            if (dx.data.get(at) != 0) {
                                holders++;
                                assertEquals(best, v, "gradient on an input that is not its window's maximum");
                                assertEquals(gradOut.data.get(o), dx.data.get(at), "a window's gradient split");
                            }
                        }
                        assertEquals(1, holders, "a window's gradient on " + holders + " inputs");
                        ties += maxima > 1 ? 1 : 0;
                    }
                }
            }
            assertTrue(ties > 10, "only " + ties + " windows with tied maxima: the test would prove little");
        }
    }

    /**
     * A task may run on another thread than the last one: the op rebuilds its primitives on that thread's engine
     * (oneDNN refuses a primitive of one engine on another's stream) and gives the same results.
     */
    @Test
    void anotherThreadGetsItsOwnPrimitivesAndTheSameResults() throws Exception {
        Shape in = Shape.image(3, 6, 6);
        Shape out = Shape.image(3, 3, 3);
        int n = 2;
        Random random = new Random(9);
        try (DnnlPoolOp dnnl = new DnnlPoolOp(in, out, true, new int[] {2, 2}, new int[] {2, 2});
             NativeFloats x = random((long) n * in.size(), random, 0f, 1f);
             NativeFloats gradOut = random((long) n * out.size(), random, 0f, 1f);
             NativeFloats y = NativeFloats.allocate((long) n * out.size());
             NativeFloats dx = NativeFloats.allocate((long) n * in.size());
             NativeFloats y2 = NativeFloats.allocate((long) n * out.size());
             NativeFloats dx2 = NativeFloats.allocate((long) n * in.size())) {
            dnnl.forward(x, y, n, true);
            dnnl.backward(x, y, gradOut, dx, n);
            CompletableFuture.runAsync(() -> {
                dnnl.forward(x, y2, n, true);
                dnnl.backward(x, y2, gradOut, dx2, n);
            }).get(60, TimeUnit.SECONDS);
            assertClose(y2, y, n * out.size(), 0, "output on another thread");
            assertClose(dx2, dx, n * in.size(), 0, "input gradient on another thread");
        }
    }

    /** Against DL4J's {@code SubsamplingLayer} in truncate mode: output and input gradient of a training pass. */
    @ParameterizedTest(name = "{0}: {1} x{2}x{3}, window {4}, stride {5}, batch {6}")
    @CsvSource({"MAX, 3, 11, 9, 3, 2, 4", "AVG, 3, 11, 9, 3, 2, 4", "MAX, 4, 8, 8, 2, 2, 3", "AVG, 2, 7, 6, 2, 1, 2"})
    void agreesWithDl4j(PoolingType type, int channels, int h, int w, int k, int s, int n) {
        SubsamplingLayer conf = new SubsamplingLayer.Builder(type).kernelSize(k, k).stride(s, s)
                .convolutionMode(ConvolutionMode.Truncate).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .list().layer(conf).setInputType(InputType.convolutional(h, w, channels)).build());
        net.init();
        net.initGradientsView(); // the layer's gradient views, which its backward pass writes
        Layer layer = net.getLayer(0);
        Shape in = Shape.image(channels, h, w);
        Shape out = Shape.image(channels, ConvOp.truncateSize(h, k, s, 0), ConvOp.truncateSize(w, k, s, 0));
        Random random = new Random(channels + 10L * n);
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        try (DnnlPoolOp dnnl = new DnnlPoolOp(in, out, type == PoolingType.MAX, new int[] {k, k}, new int[] {s, s});
             NativeFloats x = random((long) n * in.size(), random, 0f, 1f);
             NativeFloats y = NativeFloats.allocate((long) n * out.size());
             NativeFloats gradOut = random((long) n * out.size(), random, 0f, 1f);
             NativeFloats dx = NativeFloats.allocate((long) n * in.size())) {
            INDArray expectedY = layer.activate(array(x, n, in), true, mgr).dup();
            Pair<Gradient, INDArray> expected = layer.backpropGradient(array(gradOut, n, out), mgr);
            dnnl.forward(x, y, n, true);
            dnnl.backward(x, y, copy(gradOut), dx, n);
            assertClose(y, NativeFloats.of(expectedY.dup('c')), n * out.size(), EngineCheck.TOLERANCE, "output");
            assertClose(dx, NativeFloats.of(expected.getSecond().dup('c')), n * in.size(), EngineCheck.TOLERANCE,
                    "input gradient");
        }
    }

    private static INDArray array(NativeFloats f, int n, Shape shape) {
        float[] v = new float[n * shape.size()];
        f.data.get(0, v, 0, v.length);
        return Nd4j.createFromArray(v).reshape('c', n, shape.channels(), shape.height(), shape.width());
    }
}
