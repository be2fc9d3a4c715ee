package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.driver.train.TrainingResult;

/**
 * The examples of every global batch depend on the data, the seed and the batch size, never on the number of
 * workers: synchronous training on 1, 2 and 3 workers follows single-process DL4J's batch sequence, and only the
 * rounding of summing the workers' shares separates them. Three workers need three task slots: local[3].
 */
class WorkerCountIndependenceTest extends LocalSparkTest {
    /** Float32 rounding of summing 1, 2 or 3 shares, over 20 tanh SGD steps (measured: below 1e-7). */
    private static final double TOLERANCE = 1e-5;

    @Override
    String[] contextSettings() {
        return new String[] {"spark.master=local[3]"};
    }

    private ConfigLoader.Loaded config(int workers, String engine) {
        // 2000 examples, batch 128: 15 full batches and one of 80 per epoch; 20 iterations cross into epoch 2.
        return TestData.config(out, "spark.master=local[3]", "training.workers=" + workers, "optimizer.name=sgd",
                "optimizer.learning-rate=0.1", "training.max-iterations=20", "training.epochs=2",
                "model.activation=tanh", "training.engine=" + engine);
    }

    @Test
    void oneTwoAndThreeWorkersFollowSingleProcessDl4j() {
        ConfigLoader.Loaded one = config(1, "auto");
        MultiLayerNetwork single = SingleMachine.train(Distributed.spec(one, data), data.train(),
                one.config().training());
        float[] reference = single.params().toFloatVector();
        float[][] params = new float[4][];
        for (int workers = 1; workers <= 3; workers++) {
            TrainingResult result = Distributed.train(sc, data, config(workers, "auto"));
            assertEquals(20, result.iterations());
            params[workers] = finalState(result).params();
            double error = Tolerances.maxAbsoluteError(reference, params[workers]);
            assertTrue(error <= TOLERANCE, workers + " workers: max absolute parameter difference " + error);
        }
        // One worker on DL4J's layers and updater is single-process DL4J on the same batches, to the bit. (The CPU
        // engine's products and sums round differently: within the tolerance above.)
        assertArrayEquals(reference, finalState(Distributed.train(sc, data, config(1, "dl4j"))).params());
    }

    @Test
    void everyIterationButTheEpochsLastCarriesTheWholeBatch() {
        int examples = data.train().size();
        List<int[][]> shares = GlobalBatches.shares(examples, DataConfig.DEFAULT_VIRTUAL_SHARDS, 3, 42, 128, 2,
                Long.MAX_VALUE);
        int perEpoch = (examples + 127) / 128;
        assertEquals(2 * perEpoch, shares.size());
        for (int i = 0; i < shares.size(); i++) {
            int total = 0;
            for (int[] share : shares.get(i)) {
                total += share.length;
                // Each of the 3 workers has about a third of every batch: one GEMM each, no straggler.
                assertTrue(share.length >= (i % perEpoch == perEpoch - 1 ? 0 : 128 / 3 - 1), "share " + share.length);
            }
            boolean last = i % perEpoch == perEpoch - 1;
            assertEquals(last ? examples - (perEpoch - 1) * 128 : 128, total, "iteration " + i);
        }
    }
}
