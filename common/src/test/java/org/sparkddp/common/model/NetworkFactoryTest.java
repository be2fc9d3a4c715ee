package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.error.InvalidConfigException;

/** What the factory builds from a spec, and the layer stacks it refuses, naming the layer. */
class NetworkFactoryTest {
    private static final List<Integer> IMAGE = List.of(1, 8, 8);

    private static DataSet batch(int n, int inputs, int classes) {
        Nd4j.getRandom().setSeed(5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return new DataSet(Nd4j.rand(DataType.FLOAT, n, inputs), y);
    }

    @Test
    void residualBlocksMakeAGraphAndChainsAStack() {
        assertInstanceOf(ComputationGraph.class, NetworkFactory.build(TestSpecs.spec(IMAGE, 3,
                "model.layers=[{type=conv,filters=2},{type=residual,filters=2},{type=flatten}]")).dl4jModel());
        assertInstanceOf(MultiLayerNetwork.class, NetworkFactory.build(TestSpecs.spec(IMAGE, 3,
                "model.layers=[{type=conv,filters=2},{type=max-pool},{type=dense,units=4}]")).dl4jModel());
    }

    @Test
    void layersThatCannotFollowTheirInputAreNamed() {
        InvalidConfigException conv = assertThrows(InvalidConfigException.class, () -> NetworkFactory.build(
                TestSpecs.spec(List.of(10), 3, "model.layers=[{type=conv,filters=2}]")));
        assertTrue(conv.getMessage().startsWith("model.layers[0]: a conv layer needs image input"), conv.getMessage());
        InvalidConfigException pool = assertThrows(InvalidConfigException.class, () -> NetworkFactory.build(
                TestSpecs.spec(IMAGE, 3, "model.layers=[{type=conv,filters=2,kernel=5},{type=max-pool,kernel=6}]")));
        assertTrue(pool.getMessage().startsWith("model.layers[1]: a max-pool window of 6 does not fit its 4 x 4 input"),
                pool.getMessage());
        InvalidConfigException shortcut = assertThrows(InvalidConfigException.class, () -> NetworkFactory.build(
                TestSpecs.spec(IMAGE, 3, "model.layers=[{type=conv,filters=2},{type=residual,filters=4,"
                        + "shortcut=identity}]")));
        assertTrue(shortcut.getMessage().startsWith("model.layers[1].shortcut: identity needs the block's input and"
                + " output to have the same shape"), shortcut.getMessage());
    }

    @Test
    void runningStatisticsAreExactlyBatchNormsMeanAndVariance() {
        TrainableNetwork plain = NetworkFactory.build(TestSpecs.spec(IMAGE, 3, "model.layers=[{type=conv,filters=4}]"));
        assertTrue(plain.runningStatistics().isEmpty());
        TrainableNetwork bn = NetworkFactory.build(TestSpecs.spec(IMAGE, 3,
                "model.layers=[{type=conv,filters=4},{type=batch-norm},{type=dense,units=5},{type=batch-norm}]"));
        MultiLayerNetwork net = (MultiLayerNetwork) bn.dl4jModel();
        long expected = 0;
        for (String name : net.paramTable().keySet()) {
            if (name.endsWith("_mean") || name.endsWith("_var") || name.endsWith("_log10stdev")) {
                expected += net.getParam(name).length();
            }
        }
        assertEquals(2 * 4 + 2 * 5, expected);
        assertEquals(expected, bn.runningStatistics().stream().mapToLong(r -> r[1] - r[0]).sum());
        // ...and they are the entries a training step moves without dividing by the batch: BN's own bookkeeping.
        INDArray before = net.getParam("1_mean").dup();
        bn.computeGradient(batch(6, 64, 3));
        bn.step(0, 0, 6);
        assertNotEquals(before, net.getParam("1_mean"));
    }

    @Test
    void dropoutMasksComeFromTheSeedOfTheThreadsGenerator() {
        NetworkSpec spec = TestSpecs.spec(List.of(12), 3, "model.layers=[{type=dense,units=16},{type=dropout,rate=0.5}]");
        TrainableNetwork net = NetworkFactory.build(spec);
        DataSet b = batch(8, 12, 3);
        Nd4j.getRandom().setSeed(1);
        net.computeGradient(b);
        INDArray first = net.gradients().dup();
        Nd4j.getRandom().setSeed(1);
        net.computeGradient(b);
        assertEquals(first, net.gradients(), "same seed, same masks, same gradient");
        Nd4j.getRandom().setSeed(2);
        net.computeGradient(b);
        assertNotEquals(first, net.gradients(), "another seed draws other masks");
        // Inference never drops: the output does not depend on the generator.
        Nd4j.getRandom().setSeed(3);
        INDArray out = net.output(b.getFeatures()).dup();
        Nd4j.getRandom().setSeed(4);
        assertEquals(out, net.output(b.getFeatures()));
    }

    @Test
    void preluLearnsOneSlopePerUnitOrPerChannel() {
        NetworkSpec dense = TestSpecs.spec(List.of(6), 3, "model.layers=[{type=dense,units=5,activation=prelu}]");
        MultiLayerNetwork d = (MultiLayerNetwork) NetworkFactory.build(dense).dl4jModel();
        assertEquals(5, d.getLayer(1).numParams());
        NetworkSpec conv = TestSpecs.spec(IMAGE, 3, "model.layers=[{type=conv,filters=4,activation=prelu}]");
        MultiLayerNetwork c = (MultiLayerNetwork) NetworkFactory.build(conv).dl4jModel();
        assertEquals(4, c.getLayer(1).numParams());
        assertFalse(NetworkDescription.of(conv).isEmpty());
    }

    @Test
    void descriptionsNameTheArchitecture() {
        assertEquals("784-256-128-10 MLP", NetworkDescription.of(TestSpecs.spec(List.of(1, 28, 28), 10)));
        assertEquals("1x8x8-conv2-maxpool2-res4/2-3 ResNet", NetworkDescription.of(TestSpecs.spec(IMAGE, 3,
                "model.layers=[{type=conv,filters=2},{type=max-pool},{type=residual,filters=4,stride=2}]")));
    }
}
