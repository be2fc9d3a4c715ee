package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

/** The size read from a network's configuration is the size of the network built from it, without building it. */
class ModelSizeTest {
    private static final String CNN = "model.layers=[{type=conv,filters=8,kernel=3,padding=same},{type=batch-norm},"
            + "{type=max-pool,kernel=2},{type=flatten},{type=dense,units=16}]";

    private static void assertMatchesTheBuiltNetwork(NetworkSpec spec) {
        ModelSize size = ModelSize.of(spec);
        TrainableNetwork built = NetworkFactory.build(spec);
        assertEquals(built.params().length(), size.parameters());
        // Batch norm's running statistics have no optimizer state: the estimate counts them, an upper bound.
        long statistics = built.runningStatistics().stream().mapToLong(r -> r[1] - r[0]).sum();
        assertEquals(built.updaterState().length(), size.optimizerValues() - statistics * size.optimizerValuesPerParam());
    }

    @Test
    void mlpCnnAndResidualNetworksCountTheirParametersAndOptimizerState() {
        assertMatchesTheBuiltNetwork(TestSpecs.spec(List.of(20), 3, "model.layers=[{type=dense,units=16},"
                + "{type=dense,units=8}]", "optimizer.name=adam"));
        assertMatchesTheBuiltNetwork(TestSpecs.spec(List.of(1, 12, 12), 4, CNN, "optimizer.name=momentum"));
        assertMatchesTheBuiltNetwork(TestSpecs.spec(List.of(1, 8, 8), 2, "model.layers=[{type=conv,filters=4,"
                + "kernel=3,padding=same},{type=residual,filters=4},{type=residual,filters=8,stride=2},"
                + "{type=flatten}]", "optimizer.name=sgd"));
    }

    @Test
    void activationsAreEveryLayersOutputForOneExample() {
        // 20 inputs, 16 and 8 hidden, 3 outputs.
        ModelSize size = ModelSize.of(TestSpecs.spec(List.of(20), 3, "model.layers=[{type=dense,units=16},"
                + "{type=dense,units=8}]"));
        assertEquals(20 + 16 + 8 + 3, size.activationsPerExample());
    }

    @Test
    void theEnginesScratchIsEachConvolutionsIm2colColumns() {
        // The shipped CNN's shape: 1 -> 32 channels at 28x28 (3x3), pool, 32 -> 64 at 14x14 (3x3).
        ModelSize cnn = ModelSize.of(TestSpecs.spec(List.of(1, 28, 28), 10, "model.layers=[{type=conv,filters=32,"
                + "kernel=3,padding=same},{type=max-pool,kernel=2},{type=conv,filters=64,kernel=3,padding=same},"
                + "{type=max-pool,kernel=2},{type=flatten},{type=dense,units=16}]"));
        assertEquals(1 * 9 * 28 * 28 + 32 * 9 * 14 * 14, cnn.scratchPerExample());
        // A 1x1 stride-1 convolution reads its input as its columns; dense layers need none.
        assertEquals(0, ModelSize.of(TestSpecs.spec(List.of(4, 6, 6), 2, "model.layers=[{type=conv,filters=8,"
                + "kernel=1},{type=flatten}]")).scratchPerExample());
        assertEquals(0, ModelSize.of(TestSpecs.spec(List.of(20), 3, "model.layers=[{type=dense,units=16}]"))
                .scratchPerExample());
        // In a graph too: the first convolution and the residual block's two 3x3 ones (no projection: 4 channels in
        // and out) count.
        long residual = ModelSize.of(TestSpecs.spec(List.of(1, 8, 8), 2, "model.layers=[{type=conv,filters=4,"
                + "kernel=3,padding=same},{type=residual,filters=4},{type=flatten}]")).scratchPerExample();
        assertEquals(1 * 9 * 64 + 2 * 4 * 9 * 64, residual);
    }

    @Test
    void theIssuesLargeMlpIsSizedWithoutAllocatingIt() {
        // 784-8192-8192-8192-10 with Adam: 140.7M parameters, 281.5M optimizer values; nothing is allocated.
        ModelSize size = ModelSize.of(TestSpecs.spec(List.of(784), 10, "model.layers=[{type=dense,units=8192},"
                + "{type=dense,units=8192},{type=dense,units=8192}]", "optimizer.name=adam")).checkDl4jLimits();
        long expected = 784L * 8192 + 8192 + 2 * (8192L * 8192 + 8192) + 8192L * 10 + 10;
        assertEquals(expected, size.parameters());
        assertEquals(2 * expected, size.optimizerValues());
    }

    @Test
    void aNetworkPastDl4jsIntOffsetsIsOneConfigLineNamingTheLayers() {
        // 50,000 x 50,000 weights: 2.5 billion parameters, past DL4J's int offsets.
        NetworkSpec huge = TestSpecs.spec(List.of(50_000), 2, "model.layers=[{type=dense,units=50000}]");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> ModelSize.of(huge).checkDl4jLimits());
        assertEquals("model.layers", e.key());
        assertTrue(e.getMessage().contains("2,500,"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        // Adam doubles the optimizer state: 1.2 billion parameters pass, their 2.4 billion moments do not.
        NetworkSpec adam = TestSpecs.spec(List.of(40_000), 2, "model.layers=[{type=dense,units=30000}]",
                "optimizer.name=adam");
        assertThrows(InvalidConfigException.class, () -> ModelSize.of(adam).checkDl4jLimits());
    }

    @Test
    void optimizerValuesPerParameterFollowTheUpdater() {
        for (String[] c : new String[][] {{"sgd", "0"}, {"momentum", "1"}, {"nesterov", "1"}, {"adagrad", "1"},
            {"rmsprop", "1"}, {"adam", "2"}}) {
            assertEquals(Integer.parseInt(c[1]), ModelSize.optimizerValues(TestSpecs.config("optimizer.name=" + c[0])
                    .optimizer().updater()), c[0]);
        }
    }
}
