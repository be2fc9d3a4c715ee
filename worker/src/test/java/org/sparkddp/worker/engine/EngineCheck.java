package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * Compares the engine with DL4J on one network: two replicas built from the same spec (so the same initial
 * parameters), one computed by DL4J's layers and one by the engine, fed the same batch with the same dropout seed.
 * The bar is 1e-4 relative to the largest magnitude of the DL4J vector compared (gradients, scores, outputs).
 */
final class EngineCheck {
    static final double TOLERANCE = 1e-4;

    final NetworkSpec spec;
    final TrainableNetwork dl4j;
    final TrainableNetwork engine;

    private EngineCheck(NetworkSpec spec) {
        this.spec = spec;
        this.dl4j = NetworkFactory.build(spec);
        this.engine = Engines.forTraining(spec, NetworkFactory.build(spec));
        assertInstanceOf(EngineTrainable.class, engine, "the engine does not cover " + spec.model().layers());
        assertEquals(0, maxDifference(dl4j.params(), engine.params()), "the replicas start from different parameters");
        if ("false".equals(System.getProperty(EngineCompiler.ONEDNN_PROPERTY))) {
            assertEquals(ImageLayout.CHANNEL_MAJOR, network().layout(), "oneDNN is off, but the network is NCHW");
        }
    }

    /** The engine's compiled network. */
    EngineNetwork network() {
        return ((EngineTrainable) engine).engine();
    }

    /**
     * A network from config overrides (e.g. {@code model.layers=[{type=dense,units=8}]}) for examples of
     * {@code inputShape} and {@code outputs} classes or targets.
     */
    static EngineCheck of(List<Integer> inputShape, int outputs, String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused"));
        all.addAll(List.of(settings));
        SparkDdpConfig c = ConfigLoader.load(null, all).config();
        return new EngineCheck(new NetworkSpec(c.model(), c.optimizer(), c.training().seed(), inputShape, outputs,
                c.training().batchSize()));
    }

    /** A batch of {@code n} examples: features in [-1, 1), one-hot labels (or targets in [0, 1) when not one-hot). */
    DataSet batch(int n, long seed, boolean oneHot) {
        Random random = new Random(seed);
        int in = spec.numInputs();
        int out = spec.numOutputs();
        INDArray x = Nd4j.create(DataType.FLOAT, n, in);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, out);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < in; j++) {
                x.putScalar(i, j, random.nextFloat() * 2 - 1);
            }
            if (oneHot) {
                y.putScalar(i, random.nextInt(out), 1);
            } else {
                for (int j = 0; j < out; j++) {
                    y.putScalar(i, j, random.nextFloat());
                }
            }
        }
        return new DataSet(x, y);
    }

    /** One forward and backward pass on both, with the same dropout seed; asserts equal scores and gradients. */
    void gradientsAgree(DataSet batch, long dropoutSeed) {
        Nd4j.getRandom().setSeed(dropoutSeed);
        double expected = dl4j.computeGradient(batch);
        Nd4j.getRandom().setSeed(dropoutSeed);
        double actual = engine.computeGradient(batch);
        assertEquals(expected, actual, TOLERANCE * Math.max(1, Math.abs(expected)), "scores differ");
        assertClose(dl4j.gradients(), engine.gradients(), "gradients");
    }

    /**
     * Optimizer steps on batches of {@code sizes} (batch seeds from {@code seed}, dropout seeds from {@code 10 * seed}),
     * comparing gradients before each and the parameters and inference outputs on {@code outputs} examples after.
     */
    void trainsAsDl4j(int seed, int outputs, int... sizes) {
        for (int step = 0; step < sizes.length; step++) {
            gradientsAgree(batch(sizes[step], seed + step, true), 10L * seed + step);
            step(step, sizes[step]);
        }
        assertClose(dl4j.params(), engine.params(), "parameters after " + sizes.length + " steps");
        outputsAgree(batch(outputs, seed + 77, true));
    }

    /** Inference outputs agree. */
    void outputsAgree(DataSet batch) {
        assertClose(dl4j.output(batch.getFeatures()), engine.output(batch.getFeatures()), "outputs");
    }

    /** Both take the same optimizer step from their (equal) gradients. */
    void step(long iteration, int batchSize) {
        dl4j.step(iteration, 0, batchSize);
        engine.step(iteration, 0, batchSize);
    }

    static void assertClose(INDArray expected, INDArray actual, String what) {
        assertClose(expected, actual, what, TOLERANCE);
    }

    /** As {@link #assertClose(INDArray, INDArray, String)}, with a bar of {@code tolerance} of the largest magnitude. */
    static void assertClose(INDArray expected, INDArray actual, String what, double tolerance) {
        double scale = expected.amaxNumber().doubleValue();
        double diff = maxDifference(expected, actual);
        assertTrue(Double.isFinite(diff) && diff <= tolerance * Math.max(scale, 1e-6), what + " differ by " + diff
                + " (largest magnitude " + scale + ")");
    }

    static double maxDifference(INDArray a, INDArray b) {
        assertEquals(a.length(), b.length(), "lengths differ");
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
