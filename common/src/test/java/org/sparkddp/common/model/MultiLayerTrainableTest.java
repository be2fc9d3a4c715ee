package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.wire.ModelState;

/** Pins down the DL4J behaviour that distributed training relies on. */
class MultiLayerTrainableTest {
    private static final String[] SETTINGS = {"model.layers=[{type=dense,units=8,activation=tanh}]",
        "optimizer.name=adam", "optimizer.learning-rate=0.01", "training.seed=3"};
    private static final NetworkSpec SPEC = TestSpecs.spec(List.of(5), 3, SETTINGS);

    private static DataSet batch(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, 5);
        INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    @Test
    void gradientsAreSumsSoTheyAddAcrossSplitBatches() {
        DataSet whole = batch(1, 6);
        TrainableNetwork net = NetworkFactory.build(SPEC);
        net.computeGradient(whole);
        INDArray full = net.gradients().dup();
        net.computeGradient(new DataSet(whole.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)),
                whole.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2))));
        INDArray first = net.gradients().dup();
        net.computeGradient(new DataSet(whole.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6)),
                whole.getLabels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 6))));
        INDArray sum = first.add(net.gradients());
        double relative = full.sub(sum).norm2Number().doubleValue() / full.norm2Number().doubleValue();
        assertTrue(relative < 1e-6, "relative difference " + relative);
    }

    @Test
    void stepMatchesDl4jFit() {
        TrainableNetwork ours = NetworkFactory.build(SPEC);
        MultiLayerNetwork reference = new MultiLayerNetwork(NetworkFactory.configuration(SPEC));
        reference.init();
        assertEquals(reference.params(), ours.params());
        for (int i = 0; i < 5; i++) {
            DataSet b = batch(10 + i, 4);
            reference.fit(b);
            ours.computeGradient(b);
            ours.step(i, 0, 4);
        }
        assertArrayEquals(reference.params().toFloatVector(), ours.params().toFloatVector(), 1e-6f);
        assertArrayEquals(reference.getUpdater().getStateViewArray().toFloatVector(),
                ours.updaterState().toFloatVector(), 1e-6f);
    }

    @Test
    void stateRoundTripsIntoAnotherReplica() {
        TrainableNetwork a = NetworkFactory.build(SPEC);
        a.computeGradient(batch(2, 4));
        a.step(0, 0, 4);
        ModelState state = ModelState.capture(a, 1, 0);
        TrainableNetwork b = NetworkFactory.build(new NetworkSpec(SPEC.model(), SPEC.optimizer(), 99, List.of(5), 3, 4));
        state.applyTo(b);
        assertEquals(state, ModelState.capture(b, 1, 0));
    }

    @Test
    void sgdHasNoUpdaterState() {
        TrainableNetwork net = NetworkFactory.build(TestSpecs.spec(List.of(5), 3,
                "model.layers=[{type=dense,units=8,activation=tanh}]", "optimizer.name=sgd"));
        assertEquals(0, ModelState.capture(net, 0, 0).updaterState().length);
    }
}
