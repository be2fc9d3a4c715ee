package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.train.TrainingResult;

/**
 * Synchronous mode with batch norm and dropout, and with residual blocks (a ComputationGraph), against single-machine
 * DL4J on the same examples ({@link GhostBatchReference}).
 *
 * <p>NOTE: DL4J normalizes each minibatch with that minibatch's statistics, so a CNN with batch norm trained on W
 * workers equals single-machine DL4J on the global batch only when each worker's share is fed as its own minibatch
 * (ghost batch norm, as in Goyal et al. 2017); that is the reference here. With one worker it is plain {@code fit}.
 */
class BatchNormEquivalenceTest extends LocalSparkTest {
    private static final String CNN = "model.layers=[{type=conv,filters=4,kernel=5},{type=batch-norm},"
            + "{type=max-pool},{type=dense,units=16},{type=batch-norm},{type=dropout,rate=0.3}]";
    private static final String RESNET = "model.layers=[{type=conv,filters=4,padding=same},{type=max-pool},"
            + "{type=residual,filters=4},{type=residual,filters=8,stride=2},{type=avg-pool,kernel=7},{type=flatten}]";

    private float[][] bothWays(String... settings) {
        ConfigLoader.Loaded loaded = TestData.config(out, settings);
        TrainingResult result = Distributed.train(sc, data, loaded);
        NetworkSpec spec = Distributed.spec(loaded, data);
        return new float[][] {GhostBatchReference.train(spec, data.train(), loaded.config().training()),
            result.finalState().params()};
    }

    @Test
    void cnnWithBatchNormAndDropoutMatchesSingleMachineDl4j() {
        float[][] p = bothWays(CNN, "optimizer.name=adam", "training.batch-size=31", "training.max-iterations=8");
        double absolute = Tolerances.maxAbsoluteError(p[0], p[1]);
        assertTrue(absolute <= 1e-4, "max absolute parameter difference " + absolute);
    }

    @Test
    void residualNetworkMatchesSingleMachineDl4j() {
        float[][] p = bothWays(RESNET, "optimizer.name=adam", "training.batch-size=32", "training.max-iterations=6");
        double absolute = Tolerances.maxAbsoluteError(p[0], p[1]);
        assertTrue(absolute <= 1e-4, "max absolute parameter difference " + absolute);
    }

    @Test
    void oneWorkerWithBatchNormIsPlainDl4jFit() {
        ConfigLoader.Loaded loaded = TestData.config(out, CNN.replace("{type=dropout,rate=0.3}", "{type=dense,units=8}"),
                "training.workers=1", "optimizer.name=sgd", "optimizer.learning-rate=0.1",
                "training.max-iterations=6");
        TrainingResult result = Distributed.train(sc, data, loaded);
        MultiLayerNetwork single = SingleMachine.train(Distributed.spec(loaded, data), data.train(),
                loaded.config().training());
        double absolute = Tolerances.maxAbsoluteError(single.params().toFloatVector(), result.finalState().params());
        assertTrue(absolute <= 1e-6, "max absolute parameter difference " + absolute);
        assertEquals(6, result.iterations());
    }

    @Test
    void summingRunningStatisticsInsteadOfAveragingWouldBeCaught() {
        // The check above would pass trivially if the statistics never moved; they move by (1 - decay) of the batch
        // mean each step, so after a few steps they differ clearly from their initial zeros.
        float[][] p = bothWays(CNN, "optimizer.name=sgd", "training.batch-size=32", "training.max-iterations=3");
        ConfigLoader.Loaded loaded = TestData.config(out, CNN, "optimizer.name=sgd", "training.max-iterations=3");
        MultiLayerNetwork fresh = SingleMachine.freshNetwork(Distributed.spec(loaded, data));
        float[] initial = fresh.params().toFloatVector();
        long meanOffset = fresh.getParam("1_mean").offset() - fresh.params().offset();
        double moved = 0;
        for (int i = 0; i < fresh.getParam("1_mean").length(); i++) {
            moved = Math.max(moved, Math.abs(p[1][(int) meanOffset + i] - initial[(int) meanOffset + i]));
        }
        assertTrue(moved > 1e-3, "batch norm's running mean moved by at most " + moved);
        assertTrue(Tolerances.maxAbsoluteError(p[0], p[1]) <= 1e-4);
    }
}
