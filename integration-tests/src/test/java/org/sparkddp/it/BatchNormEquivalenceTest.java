package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.engine.Engines;

/**
 * Synchronous mode with batch norm and dropout, and with residual blocks (a ComputationGraph), against single-process
 * DL4J's own {@code fit} ({@link Dl4jFits}).
 *
 * <p>NOTE: DL4J normalizes each minibatch with that minibatch's statistics, so a network with batch norm trained on W
 * workers normalizes each worker's share separately ("ghost batch norm", Goyal et al. 2017), and no single {@code fit}
 * on the global batch equals it. With plain SGD it equals DL4J fitting a copy on each share from the same parameters
 * and averaging the copies by examples ({@link Dl4jFits#shareAveraged}), since the step is linear in the gradient;
 * that is the reference for two workers. The batch size, 7, splits into shares of 4 and 3, so averaging with equal
 * weights instead of example weights (of the gradients or of batch norm's running statistics) misses it by far more
 * than the tolerance, as {@link #theFirstStepAveragesTheSharesByTheirExamples} checks. Adam is not linear in the
 * gradient, so averaging per-share Adam steps is not one Adam step: Adam is checked here with one worker against
 * {@code fit} on the global batch, and with two workers (without batch norm, where plain {@code fit} is the reference)
 * in {@link SyncEquivalenceTest}.
 *
 * <p>NOTE: the two-worker comparisons use tanh, not the default relu. The reference rounds differently (a step per
 * share, then their mean, against the sum of the shares' gradients, then one step), and with relu those 1e-7
 * differences flip units that sit exactly on relu's kink: a convolution's bias starts at 0 and sees the images' zero
 * background, so whole regions are there. The parameters then part by 1e-3 or more within 8 iterations (measured),
 * though both sides compute the same thing. tanh has no kink, and the difference stays near float rounding (grown by
 * batch norm over 3 or 4 examples, which divides by their small spread). How much depends on the batches: on the
 * virtual shards' sequence, moving the reference's own averaging by one rounding (weights applied before the sum
 * instead of after) moves its parameters by 4e-6 after 2 iterations and 7e-4 after 8 (measured), so the CNN is
 * compared over 4 iterations (2e-5 apart, measured).
 */
class BatchNormEquivalenceTest extends LocalSparkTest {
    private static final String CNN = "model.layers=[{type=conv,filters=4,kernel=5},{type=batch-norm},"
            + "{type=max-pool},{type=dense,units=16},{type=batch-norm},{type=dropout,rate=0.3}]";
    private static final String RESNET = "model.layers=[{type=conv,filters=4,padding=same},{type=max-pool},"
            + "{type=residual,filters=4},{type=residual,filters=8,stride=2},{type=avg-pool,kernel=7},{type=flatten}]";
    /** Plain SGD, large enough a rate that a wrong weighting shows; shares of 4 and 3 examples; no kinks (above). */
    private static final String[] SGD_ON_UNEQUAL_SHARES = {"optimizer.name=sgd", "optimizer.learning-rate=0.1",
        "training.workers=2", "training.batch-size=7", "model.activation=tanh"};
    /**
     * Float32 rounding of a sum over two shares against that of DL4J's own steps: one step, or a few through the
     * residual network, whose batch norms see whole images (measured: 4e-7 after 6 iterations).
     */
    private static final double TOLERANCE = 1e-5;
    /** The same over 4 iterations of the CNN, whose dense batch norm sees 3 or 4 values (measured: 2e-5). */
    private static final double TOLERANCE_4_STEPS = 1e-4;
    /**
     * The same with the CPU engine computing the workers' passes: its products and sums round differently from DL4J's
     * (1e-7 on one step), which batch norm over 3 or 4 values grows as it grows the reference's own (above: 7e-4 after
     * 8 iterations from one rounding moved); measured 2.2e-4 after 4. A wrong weighting or mask misses by 1e-2.
     */
    private static final double ENGINE_4_STEPS = 1e-3;

    private ConfigLoader.Loaded config(String layers, String iterations, String... settings) {
        String[] all = new String[settings.length + 2];
        all[0] = layers;
        all[1] = "training.max-iterations=" + iterations;
        System.arraycopy(settings, 0, all, 2, settings.length);
        return TestData.config(out, all);
    }

    private void assertClose(float[] expected, float[] actual, double tolerance) {
        double absolute = Tolerances.maxAbsoluteError(expected, actual);
        assertTrue(absolute <= tolerance, "max absolute parameter difference " + absolute);
    }

    private static String[] with(String[] settings, String extra) {
        String[] all = java.util.Arrays.copyOf(settings, settings.length + 1);
        all[settings.length] = extra;
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "dl4j"})
    void cnnWithBatchNormAndDropoutMatchesDl4jFitsOnTheSharesAveraged(String engine) {
        ConfigLoader.Loaded loaded = config(CNN, "4", with(SGD_ON_UNEQUAL_SHARES, "training.engine=" + engine));
        TrainingResult result = Distributed.train(sc, data, loaded);
        assertEquals(4, result.iterations());
        float[] expected = Dl4jFits.shareAveraged(Distributed.spec(loaded, data), data.train(),
                loaded.config().training());
        assertClose(expected, finalState(result).params(), engine.equals("dl4j") ? TOLERANCE_4_STEPS : ENGINE_4_STEPS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "dl4j"})
    void residualNetworkMatchesDl4jFitsOnTheSharesAveraged(String engine) {
        ConfigLoader.Loaded loaded = config(RESNET, "6", with(SGD_ON_UNEQUAL_SHARES, "training.engine=" + engine));
        TrainingResult result = Distributed.train(sc, data, loaded);
        float[] expected = Dl4jFits.shareAveraged(Distributed.spec(loaded, data), data.train(),
                loaded.config().training());
        assertClose(expected, finalState(result).params(), TOLERANCE);
    }

    /**
     * One step, taken apart: the distributed result is the example-weighted mean of DL4J's per-share fits, and the
     * wrong combinations (running statistics summed, or either part weighted equally) are each far from it, so the
     * comparisons above would catch them.
     */
    @Test
    void theFirstStepAveragesTheSharesByTheirExamples() {
        ConfigLoader.Loaded loaded = config(CNN, "1", SGD_ON_UNEQUAL_SHARES);
        float[] distributed = finalState(Distributed.train(sc, data, loaded)).params();

        TrainingConfig t = loaded.config().training();
        Model start = Dl4jFits.fresh(Distributed.spec(loaded, data));
        int[][] shares = Dl4jFits.shares(data.train(), t).get(0);
        assertEquals(4, shares[0].length);
        assertEquals(3, shares[1].length);
        List<Dl4jFits.Fitted> fitted = Dl4jFits.fitEachShare(start, data.train(), shares, t.seed(), 0);
        float[] weighted = Dl4jFits.weightedMean(fitted).toFloatVector();
        INDArray theta = start.params();
        // Each share's change applied in full, as adding the workers' running-statistics updates would apply them.
        INDArray summedChanges = theta.dup();
        for (Dl4jFits.Fitted f : fitted) {
            summedChanges.addi(f.params().sub(theta));
        }
        float[] summed = summedChanges.toFloatVector();
        float[] equal = fitted.get(0).params().add(fitted.get(1).params()).divi(2).toFloatVector();
        float[] initial = theta.toFloatVector();

        int[] statistics = runningStatistics(start);
        boolean[] isStatistic = new boolean[initial.length];
        IntStream.of(statistics).forEach(i -> isStatistic[i] = true);
        int[] trained = IntStream.range(0, initial.length).filter(i -> !isStatistic[i]).toArray();
        assertClose(pick(weighted, statistics), pick(distributed, statistics), TOLERANCE);
        assertClose(pick(weighted, trained), pick(distributed, trained), TOLERANCE);
        assertTrue(difference(initial, distributed, statistics) > 1e-2, "the running statistics hardly moved");
        assertTrue(difference(summed, distributed, statistics) > 100 * TOLERANCE, "summing would pass");
        assertTrue(difference(equal, distributed, statistics) > 10 * TOLERANCE,
                "equal weights for the running statistics would pass");
        assertTrue(difference(equal, distributed, trained) > 10 * TOLERANCE,
                "equal weights for the gradients would pass");
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "dl4j"})
    void oneWorkerWithAdamBatchNormAndDropoutIsPlainDl4jFit(String engine) {
        ConfigLoader.Loaded loaded = config(CNN, "6", "training.workers=1", "optimizer.name=adam",
                "training.batch-size=32", "training.engine=" + engine);
        TrainingResult result = Distributed.train(sc, data, loaded);
        assertEquals(6, result.iterations());
        float[] expected = Dl4jFits.oneWorker(Distributed.spec(loaded, data), data.train(), loaded.config().training());
        // DL4J's own layers: DL4J's fit to the rounding; the engine rounds its own way (measured: 1.3e-6)
        assertClose(expected, finalState(result).params(), engine.equals("dl4j") ? 1e-6 : 1e-5);
    }

    /**
     * Adam on both sides. On the engine, every parameter but one set is DL4J's to the engine's rounding; that set is
     * the biases of the convolutions that feed batch norm, and the running means of those batch norms.
     *
     * <p>NOTE: batch norm in training mode subtracts the batch mean, which such a bias shifts by itself, so the loss
     * does not depend on it: its true gradient is zero, and DL4J's and the engine's are rounding noise
     * ({@link #theBiasesBatchNormCancelsHaveARoundingGradientOnly}). Adam divides a gradient by its own magnitude, so
     * each side moves each such bias by about the learning rate per step in the sign of its own noise (measured: 2.3e-3
     * apart after 4 steps at 1e-3). The running means take in those biases through their average
     * ({@link #theRunningMeansFollowThoseBiasesThroughTheirAverage}; measured: 3.8e-4 apart). Neither changes what
     * the network computes while training, which is checked here; in inference, which subtracts the running mean, its
     * lag behind the bias shows (measured: the softmax outputs 2.6e-4 apart after 4 steps).
     */
    @ParameterizedTest
    @ValueSource(strings = {"auto", "dl4j"})
    void oneWorkerResidualNetworkWithAdamIsPlainDl4jFit(String engine) {
        ConfigLoader.Loaded loaded = config(RESNET, "4", "training.workers=1", "optimizer.name=adam",
                "training.batch-size=32", "training.engine=" + engine);
        TrainingResult result = Distributed.train(sc, data, loaded);
        NetworkSpec spec = Distributed.spec(loaded, data);
        float[] expected = Dl4jFits.oneWorker(spec, data.train(), loaded.config().training());
        float[] actual = finalState(result).params();
        if (engine.equals("dl4j")) {
            assertClose(expected, actual, 1e-6); // DL4J's own layers: DL4J's fit to the rounding
            return;
        }
        ComputationGraph net = (ComputationGraph) Dl4jFits.fresh(spec);
        int[] cancelled = indices(net, cancelledByBatchNorm(net));
        // everything else: the engine's rounding, as with plain SGD (measured: 7.4e-6)
        assertClose(pick(expected, rest(cancelled, expected.length)), pick(actual, rest(cancelled, expected.length)),
                1e-5);
        // DL4J's network with the engine's values of the set computes DL4J's softmax outputs to float rounding
        // (measured: 2.1e-6; moving the stem's bias and a projection's weights by the same 2.3e-3 instead moves them
        // by 7e-3), and the engine's whole network computes them as closely as its 1e-5 parameters allow (6.7e-6).
        DataSet batch = Minibatches.assemble(data.test(), IntStream.range(0, 64).toArray());
        float[] swapped = expected.clone();
        IntStream.of(cancelled).forEach(i -> swapped[i] = actual[i]);
        float[] reference = trainingOutputs(net, expected, batch);
        assertClose(reference, trainingOutputs(net, swapped, batch), 1e-5);
        assertClose(reference, trainingOutputs(net, actual, batch), 1e-4);
    }

    /**
     * The biases {@link #cancelledByBatchNorm} names have no gradient but rounding: DL4J's in double precision is
     * zero to double's rounding (measured: at most 4e-14 of the largest gradient, where float's is 3e-5 of it), and the
     * stem's bias, which feeds pooling rather than batch norm, has a real one.
     */
    @Test
    void theBiasesBatchNormCancelsHaveARoundingGradientOnly() {
        ComputationGraph net = (ComputationGraph) Dl4jFits.fresh(Distributed.spec(config(RESNET, "1"), data));
        DataSet batch = Minibatches.assemble(data.train(), IntStream.range(0, 32).toArray());
        Map<String, INDArray> exact = gradient(net.convertDataType(DataType.DOUBLE), batch);
        double largest = exact.values().stream().mapToDouble(g -> g.amaxNumber().doubleValue()).max().orElseThrow();
        for (String name : cancelledByBatchNorm(net)) {
            if (name.endsWith("_b")) {
                double g = exact.get(name).amaxNumber().doubleValue();
                assertTrue(g <= 1e-10 * largest, name + "'s gradient is " + g + " of " + largest);
            }
        }
        double stem = exact.get("l0_b").amaxNumber().doubleValue();
        assertTrue(stem > 1e-3 * largest, "the stem's bias has a gradient of only " + stem + " of " + largest);
    }

    /**
     * The running means that differ are those biases' difference passed through batch norm's running average: a
     * step adds {@code 1 - decay} times the batch mean of the convolution's output, which the bias (as it was before
     * the step) shifts by itself, and everything else in that mean agrees to the engine's rounding (measured: 7e-7
     * off the prediction, with the running means up to 3.8e-4 apart; the bias after the step would miss by 6e-5).
     * DL4J's layers and the engine each step Adam in this JVM, from the same parameters on the same batches.
     */
    @Test
    void theRunningMeansFollowThoseBiasesThroughTheirAverage() {
        NetworkSpec spec = Distributed.spec(config(RESNET, "4", "optimizer.name=adam"), data);
        TrainableNetwork dl4j = NetworkFactory.build(spec);
        TrainableNetwork engine = Engines.forTraining(spec, NetworkFactory.build(spec));
        assertEquals("the CPU engine", Engines.describe(engine));
        ComputationGraph net = (ComputationGraph) dl4j.dl4jModel();
        List<String> cancelled = cancelledByBatchNorm(net);
        for (int step = 0; step < 4; step++) {
            DataSet batch = Minibatches.assemble(data.train(), IntStream.range(32 * step, 32 * step + 32).toArray());
            float[] before = difference(dl4j, engine);
            dl4j.computeGradient(batch);
            engine.computeGradient(batch);
            dl4j.step(step, 0, 32);
            engine.step(step, 0, 32);
            float[] after = difference(dl4j, engine);
            for (int pair = 0; pair < cancelled.size(); pair += 2) {
                String mean = cancelled.get(pair + 1);
                double decay = ((BatchNormalization) layer(net.getConfiguration(), vertex(mean))).getDecay();
                int[] b = indices(net, List.of(cancelled.get(pair)));
                int[] m = indices(net, List.of(mean));
                for (int c = 0; c < b.length; c++) {
                    double predicted = decay * before[m[c]] + (1 - decay) * before[b[c]];
                    assertEquals(predicted, after[m[c]], 1e-5, mean + "[" + c + "] after step " + step);
                }
            }
        }
    }

    /**
     * Pairs of names: the bias of each convolution whose output goes straight into batch norm (no activation between),
     * then that batch norm's running mean.
     */
    private static List<String> cancelledByBatchNorm(ComputationGraph net) {
        ComputationGraphConfiguration c = net.getConfiguration();
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, List<String>> inputs : c.getVertexInputs().entrySet()) {
            if (inputs.getValue().size() == 1 && layer(c, inputs.getKey()) instanceof BatchNormalization
                    && layer(c, inputs.getValue().get(0)) instanceof ConvolutionLayer conv && conv.hasBias()
                    && conv.getActivationFn() instanceof ActivationIdentity) {
                names.add(inputs.getValue().get(0) + "_b");
                names.add(inputs.getKey() + "_mean");
            }
        }
        assertEquals(10, names.size(), "the blocks' five convolutions that feed batch norm: " + names);
        return names;
    }

    private static Layer layer(ComputationGraphConfiguration c, String vertex) {
        return c.getVertices().get(vertex) instanceof LayerVertex v ? v.getLayerConf().getLayer() : null;
    }

    /** {@code l3.bn1} for {@code l3.bn1_mean}. */
    private static String vertex(String param) {
        return param.substring(0, param.lastIndexOf('_'));
    }

    /** The network's softmax outputs with {@code params}, its batch norms in training mode (batch statistics). */
    private static float[] trainingOutputs(ComputationGraph net, float[] params, DataSet batch) {
        net.setParams(Nd4j.createFromArray(params).reshape(net.params().shape()));
        return net.outputSingle(true, batch.getFeatures()).ravel().toFloatVector();
    }

    /** DL4J's gradient of the loss on {@code batch} at {@code net}'s parameters, in its data type, by name. */
    private static Map<String, INDArray> gradient(ComputationGraph net, DataSet batch) {
        DataType type = net.params().dataType();
        net.setInputs(batch.getFeatures().castTo(type));
        net.setLabels(batch.getLabels().castTo(type));
        net.computeGradientAndScore();
        return net.gradient().gradientForVariable();
    }

    private static float[] difference(TrainableNetwork a, TrainableNetwork b) {
        float[] x = a.params().dup().ravel().toFloatVector();
        float[] y = b.params().dup().ravel().toFloatVector();
        for (int i = 0; i < x.length; i++) {
            x[i] -= y[i];
        }
        return x;
    }

    /** Where the named parameters sit in the flat parameters. */
    private static int[] indices(Model net, List<String> names) {
        long base = net.params().offset();
        IntStream.Builder indices = IntStream.builder();
        for (String name : names) {
            INDArray p = net.paramTable().get(name);
            long from = p.offset() - base;
            LongStream.range(from, from + p.length()).forEach(i -> indices.add(Math.toIntExact(i)));
        }
        return indices.build().toArray();
    }

    /** The indices in {@code [0, length)} not among {@code indices}. */
    private static int[] rest(int[] indices, int length) {
        boolean[] in = new boolean[length];
        IntStream.of(indices).forEach(i -> in[i] = true);
        return IntStream.range(0, length).filter(i -> !in[i]).toArray();
    }

    /** Where batch norm keeps its running mean and variance in the flat parameters, found by DL4J's names for them. */
    private static int[] runningStatistics(Model net) {
        long base = net.params().offset();
        IntStream.Builder indices = IntStream.builder();
        for (Map.Entry<String, INDArray> p : net.paramTable().entrySet()) {
            String name = p.getKey();
            if (name.endsWith("_mean") || name.endsWith("_var") || name.endsWith("_log10stdev")) {
                long from = p.getValue().offset() - base;
                for (long i = from; i < from + p.getValue().length(); i++) {
                    indices.add(Math.toIntExact(i));
                }
            }
        }
        int[] found = indices.build().toArray();
        assertTrue(found.length > 0, "no running statistics in " + net.paramTable().keySet());
        return found;
    }

    private static float[] pick(float[] values, int[] indices) {
        float[] picked = new float[indices.length];
        for (int i = 0; i < indices.length; i++) {
            picked[i] = values[indices[i]];
        }
        return picked;
    }

    private static double difference(float[] a, float[] b, int[] indices) {
        return Tolerances.maxAbsoluteError(pick(a, indices), pick(b, indices));
    }
}
