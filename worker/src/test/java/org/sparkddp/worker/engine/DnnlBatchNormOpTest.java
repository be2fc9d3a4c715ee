package org.sparkddp.worker.engine;

import static org.sparkddp.worker.engine.DnnlOpFixtures.assertClose;
import static org.sparkddp.worker.engine.DnnlOpFixtures.copy;
import static org.sparkddp.worker.engine.DnnlOpFixtures.random;
import static org.sparkddp.worker.engine.DnnlOpFixtures.toChannelMajor;
import static org.sparkddp.worker.engine.DnnlOpFixtures.toNchw;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link DnnlBatchNormOp} against {@link BatchNormOp} (transposing between NCHW and channel-major) and against DL4J's
 * own {@code BatchNormalization} layer: outputs in training and inference, the input gradient, and the four
 * parameter gradients, on odd shapes, with the log10 standard deviation or the variance stored, and a smaller
 * second batch (the last batch of an epoch) through the same op.
 *
 * <p>The tolerance, 1e-5 of the larger magnitude, is float rounding: oneDNN sums a channel in float with vector
 * accumulators where the Java op sums in double, and the two normalize by {@code 1/sqrt(var + eps)} computed in float
 * and in double. The inputs are centred away from zero (mean 2) so that a variance computed carelessly would show.
 */
class DnnlBatchNormOpTest {
    private static final double TOLERANCE = 1e-5;

    /** The parameters (gamma, beta, running mean, running spread) and gradients of one op, as views at offsets. */
    private static final class Params {
        final INDArray flat;
        final INDArray grads;
        final NativeFloats[] p = new NativeFloats[4];
        final NativeFloats[] g = new NativeFloats[4];

        /** Views start at an odd offset into their flat vectors, as a layer's do in DL4J's. */
        Params(INDArray values, int channels) {
            flat = Nd4j.create(DataType.FLOAT, 1, 3 + 4L * channels);
            grads = Nd4j.create(DataType.FLOAT, 1, 3 + 4L * channels);
            flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(3, 3 + 4 * channels)).assign(values);
            for (int i = 0; i < 4; i++) {
                p[i] = NativeFloats.of(flat.get(NDArrayIndex.point(0),
                        NDArrayIndex.interval(3 + i * channels, 3 + (i + 1) * channels)));
                g[i] = NativeFloats.of(grads.get(NDArrayIndex.point(0),
                        NDArrayIndex.interval(3 + i * channels, 3 + (i + 1) * channels)));
            }
        }
    }

    private static INDArray randomParams(int channels, boolean logStd, Random random) {
        float[] v = new float[4 * channels];
        for (int c = 0; c < channels; c++) {
            v[c] = 0.5f + random.nextFloat();                    // gamma
            v[channels + c] = random.nextFloat() * 2 - 1;         // beta
            v[2 * channels + c] = 1.5f + random.nextFloat();      // running mean
            v[3 * channels + c] = logStd ? random.nextFloat() - 0.5f // log10 of the running std
                    : 0.2f + 3 * random.nextFloat();              // running variance
        }
        return Nd4j.createFromArray(v).reshape(1, 4 * channels);
    }

    @ParameterizedTest(name = "{0} x{1}x{2}, batches {3} then {4}, logStd {5}, decay {6}, eps {7}")
    @CsvSource({
            "3, 5, 7, 4, 3, false, 0.9, 1e-5",
            "32, 28, 28, 16, 5, false, 0.9, 1e-5",
            "1, 9, 4, 2, 1, true, 0.8, 1e-3",
            "5, 1, 1, 7, 2, true, 0.9, 1e-5",
            "64, 14, 14, 9, 4, true, 0.5, 1e-4",
            // feature vectors (height 0 here means: a vector of that many features)
            "12, 0, 0, 10, 3, false, 0.7, 1e-3",
            "7, 0, 0, 5, 2, true, 0.9, 1e-5",
    })
    void agreesWithTheJavaOp(int channels, int h, int w, int n, int smaller, boolean logStd, double decay,
                             double eps) {
        Shape shape = h == 0 ? Shape.vector(channels) : Shape.image(channels, h, w);
        for (Nchw variant : Nchw.values()) {
            Random random = new Random(channels * 100 + h * 10 + n);
            INDArray values = randomParams(channels, logStd, random);
            Params forJava = new Params(values, channels);
            Params forNchw = new Params(values, channels);
            try (BatchNormOp java = op(shape, decay, eps, logStd, forJava);
                 EngineLayer nchw = variant.op(shape, decay, eps, logStd, forNchw)) {
                for (int batch : new int[] {n, smaller, n}) {
                    compare(java, nchw, forJava, forNchw, shape, batch, random, variant.tolerance,
                            variant + ", " + batch + " examples");
                }
            }
        }
    }

    /** The two batch norms on NCHW images, and how close each comes to {@link BatchNormOp} on channel-major ones. */
    private enum Nchw {
        ONEDNN(TOLERANCE),
        /** The Java op on NCHW: the same sums in the same order (a channel's values in the same sequence), exactly. */
        JAVA(0);

        final double tolerance;

        Nchw(double tolerance) {
            this.tolerance = tolerance;
        }

        EngineLayer op(Shape shape, double decay, double eps, boolean logStd, Params p) {
            return this == ONEDNN ? dnnlOp(shape, decay, eps, logStd, p)
                    : new BatchNormOp(shape, decay, eps, logStd, p.p[0], p.p[1], p.p[2], p.p[3], p.g[0], p.g[1],
                            p.g[2], p.g[3], true);
        }
    }

    private static BatchNormOp op(Shape shape, double decay, double eps, boolean logStd, Params p) {
        return new BatchNormOp(shape, decay, eps, logStd, p.p[0], p.p[1], p.p[2], p.p[3], p.g[0], p.g[1], p.g[2],
                p.g[3]);
    }

    private static DnnlBatchNormOp dnnlOp(Shape shape, double decay, double eps, boolean logStd, Params p) {
        return new DnnlBatchNormOp(shape, decay, eps, logStd, p.p[0], p.p[1], p.p[2], p.p[3], p.g[0], p.g[1],
                p.g[2], p.g[3]);
    }

    private static void compare(BatchNormOp java, EngineLayer nchw, Params forJava, Params forNchw, Shape shape,
                                int n, Random random, double tolerance, String what) {
        int count = n * shape.size();
        try (NativeFloats x = random(count, random, 2f, 3f);
             NativeFloats xj = layoutForJava(x, shape, n);
             NativeFloats y = NativeFloats.allocate(count);
             NativeFloats yj = NativeFloats.allocate(count);
             NativeFloats gradOut = random(count, random, 0.1f, 1f);
             NativeFloats g = copy(gradOut);
             NativeFloats gj = layoutForJava(gradOut, shape, n);
             NativeFloats dx = NativeFloats.allocate(count);
             NativeFloats dxj = NativeFloats.allocate(count);
             NativeFloats g2 = copy(gradOut)) {
            java.forward(xj, yj, n, true);
            nchw.forward(x, y, n, true);
            assertSameLayout(y, yj, shape, n, tolerance, "training output, " + what);
            java.backward(xj, yj, gj, dxj, n);
            nchw.backward(x, y, g, dx, n);
            // dx = gamma/std * (g - mean(g) - xhat * mean(g * xhat)): with 2 examples to a channel the terms cancel to
            // near zero, and the rounding scales with the terms (about |g|, gamma/std being about 1 here), not dx
            try (NativeFloats expected = shape.image() ? toNchw(dxj, shape, n) : copy(dxj)) {
                assertClose(dx, expected, count, tolerance, maxAbs(gradOut, count), "input gradient, " + what);
            }
            String[] names = {"gamma", "beta", "running mean", "running spread"};
            for (int i = 0; i < 4; i++) {
                assertClose(forNchw.g[i], forJava.g[i], shape.channels(), tolerance,
                        names[i] + " gradient, " + what);
            }
            // a first layer's backward pass: no input gradient, the same parameter gradients
            forNchw.grads.assign(0);
            nchw.backward(x, y, g2, null, n);
            for (int i = 0; i < 4; i++) {
                assertClose(forNchw.g[i], forJava.g[i], shape.channels(), tolerance,
                        names[i] + " gradient without an input gradient, " + what);
            }
            java.forward(xj, yj, n, false);
            nchw.forward(x, y, n, false);
            assertSameLayout(y, yj, shape, n, tolerance, "inference output, " + what);
        }
    }

    private static double maxAbs(NativeFloats f, int count) {
        double m = 0;
        for (int i = 0; i < count; i++) {
            m = Math.max(m, Math.abs(f.data.get(i)));
        }
        return m;
    }

    /** Images go channel-major for the Java op; vectors keep their layout ([n, features] for both). */
    private static NativeFloats layoutForJava(NativeFloats nchw, Shape shape, int n) {
        return shape.image() ? toChannelMajor(nchw, shape, n) : copy(nchw);
    }

    private static void assertSameLayout(NativeFloats nchw, NativeFloats javas, Shape shape, int n, double tolerance,
                                         String what) {
        try (NativeFloats expected = shape.image() ? toNchw(javas, shape, n) : copy(javas)) {
            assertClose(nchw, expected, n * shape.size(), tolerance, what);
        }
    }

    /**
     * Both NCHW batch norms against DL4J's {@code BatchNormalization} layer itself: the training output, the input
     * gradient and the parameter gradients of one pass, then the inference output. 1e-4, the engine's bar against
     * DL4J ({@link EngineCheck}): libnd4j's kernels round differently again.
     */
    @ParameterizedTest(name = "{0} x{1}x{2}, batch {3}, logStd {4}")
    @CsvSource({"3, 6, 5, 4, false", "8, 7, 7, 3, true", "2, 1, 1, 6, false"})
    void agreesWithDl4j(int channels, int h, int w, int n, boolean logStd) {
        BatchNormalization conf = new BatchNormalization.Builder().nOut(channels).decay(0.8).eps(1e-4)
                .useLogStd(logStd).build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.FLOAT).list().layer(conf).setInputType(InputType.convolutional(h, w, channels))
                .build());
        net.init();
        net.initGradientsView(); // the layer's gradient views, which its backward pass writes
        Layer layer = net.getLayer(0);
        Random random = new Random(channels + 10L * n);
        String spread = logStd ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                : BatchNormalizationParamInitializer.GLOBAL_VAR;
        String[] keys = {BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA,
                BatchNormalizationParamInitializer.GLOBAL_MEAN, spread};
        INDArray values = randomParams(channels, logStd, random);
        for (int i = 0; i < 4; i++) {
            layer.getParam(keys[i]).assign(values.get(NDArrayIndex.point(0),
                    NDArrayIndex.interval(i * channels, (i + 1) * channels)).reshape(layer.getParam(keys[i]).shape()));
        }
        Shape shape = Shape.image(channels, h, w);
        int count = n * shape.size();
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (Nchw variant : Nchw.values()) {
            Params mine = new Params(values, channels);
            try (EngineLayer op = variant.op(shape, 0.8, 1e-4, logStd, mine);
                 NativeFloats x = random(count, random, 2f, 3f);
                 NativeFloats y = NativeFloats.allocate(count);
                 NativeFloats gradOut = random(count, random, 0.1f, 1f);
                 NativeFloats dx = NativeFloats.allocate(count)) {
                INDArray input = array(x, n, shape);
                INDArray epsilon = array(gradOut, n, shape);
                INDArray expectedY = layer.activate(input, true, mgr).dup();
                Pair<Gradient, INDArray> expected = layer.backpropGradient(epsilon, mgr);
                op.forward(x, y, n, true);
                op.backward(x, y, gradOut, dx, n);
                assertClose(y, of(expectedY), count, EngineCheck.TOLERANCE, variant + ", training output");
                assertClose(dx, of(expected.getSecond()), count, EngineCheck.TOLERANCE, variant + ", input gradient");
                for (int i = 0; i < 4; i++) {
                    assertClose(mine.g[i], of(expected.getFirst().getGradientFor(keys[i])), channels,
                            EngineCheck.TOLERANCE, variant + ", " + keys[i] + " gradient");
                }
                INDArray expectedInference = layer.activate(input, false, mgr).dup();
                op.forward(x, y, n, false);
                assertClose(y, of(expectedInference), count, EngineCheck.TOLERANCE, variant + ", inference output");
            }
        }
    }

    /** A copy of {@code f} as an NCHW array. */
    private static INDArray array(NativeFloats f, int n, Shape shape) {
        float[] v = new float[n * shape.size()];
        f.data.get(0, v, 0, v.length);
        return Nd4j.createFromArray(v).reshape('c', n, shape.channels(), shape.height(), shape.width());
    }

    /** A view of a contiguous copy of {@code a}. */
    private static NativeFloats of(INDArray a) {
        return NativeFloats.of(a.dup('c'));
    }
}
