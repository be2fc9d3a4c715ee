package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The sharded optimizer step must be the replicated one, bit for bit, however the parameters are sliced. */
class SlicedOptimizerTest {
    private static DataSet batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 3);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    @ParameterizedTest
    @CsvSource({"adam, 2", "adam, 3", "sgd, 2", "momentum, 2", "nesterov, 3", "rmsprop, 2", "adagrad, 2"})
    void slicesStepExactlyAsTheWholeNetworkDoes(String optimizer, int slices) {
        NetworkSpec spec = TestSpecs.spec(List.of(5), 3, "model.layers=[{type=dense,units=7},{type=dense,units=4}]",
                "optimizer.name=" + optimizer, "optimizer.learning-rate=0.05", "training.seed=11");
        TrainableNetwork whole = NetworkFactory.build(spec);
        TrainableNetwork sliced = NetworkFactory.build(spec);
        int n = (int) whole.params().length();
        List<SlicedOptimizer> parts = new ArrayList<>();
        for (int s = 0; s < slices; s++) {
            parts.add(sliced.slicedOptimizer(n * s / slices, n * (s + 1) / slices).orElseThrow());
        }
        for (int iteration = 0; iteration < 6; iteration++) {
            DataSet b = batch(100 + iteration);
            whole.computeGradient(b);
            whole.step(iteration, 0, 8);
            sliced.computeGradient(b);
            for (SlicedOptimizer part : parts) {
                part.step(iteration, 0, 8);
            }
            assertArrayEquals(whole.params().toFloatVector(), sliced.params().toFloatVector(), 0f, "iteration " + iteration);
        }
        // The slices' state, written back into DL4J's layout, is DL4J's own state.
        INDArray state = sliced.updaterState();
        if (!state.isEmpty()) {
            state.assign(0);
            parts.forEach(p -> p.storeState(state));
            assertArrayEquals(whole.updaterState().toFloatVector(), state.toFloatVector(), 0f);
            // ...and loading it back gives the slices the same state again.
            TrainableNetwork fresh = NetworkFactory.build(spec);
            SlicedOptimizer first = fresh.slicedOptimizer(0, n / slices).orElseThrow();
            first.loadState(whole.updaterState());
            INDArray roundTrip = Nd4j.zeros(DataType.FLOAT, state.shape());
            first.storeState(roundTrip);
            INDArray expected = Nd4j.zeros(DataType.FLOAT, state.shape());
            parts.get(0).storeState(expected);
            assertArrayEquals(expected.toFloatVector(), roundTrip.toFloatVector(), 0f);
            assertTrue(roundTrip.sumNumber().doubleValue() != 0);
        }
    }
}
