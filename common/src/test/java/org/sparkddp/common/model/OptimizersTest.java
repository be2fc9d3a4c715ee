package org.sparkddp.common.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.MapSchedule;
import org.sparkddp.common.config.SparkDdpConfig;

/** Learning-rate schedules, the linear scaling rule and classical momentum, as the optimizer DL4J runs sees them. */
class OptimizersTest {
    private static IUpdater updater(String... settings) {
        SparkDdpConfig c = TestSpecs.config(settings);
        return Optimizers.updater(c.optimizer(), c.training().batchSize());
    }

    @Test
    void stepScheduleHalvesEveryTenIterations() {
        IUpdater u = updater("optimizer.learning-rate=0.1", "optimizer.schedule.type=step",
                "optimizer.schedule.decay-rate=0.5", "optimizer.schedule.step-every=10");
        assertEquals(0.1, u.getLearningRate(0, 0), 1e-12);
        assertEquals(0.1, u.getLearningRate(9, 0), 1e-12);
        assertEquals(0.05, u.getLearningRate(10, 0), 1e-12);
        assertEquals(0.025, u.getLearningRate(25, 3), 1e-12);
    }

    @Test
    void exponentialScheduleDecaysEveryIteration() {
        IUpdater u = updater("optimizer.learning-rate=0.1", "optimizer.schedule.type=exponential",
                "optimizer.schedule.decay-rate=0.9");
        assertEquals(0.1 * Math.pow(0.9, 7), u.getLearningRate(7, 0), 1e-12);
    }

    @Test
    void cosineScheduleFallsAlongHalfACosineOneStepAtATime() {
        IUpdater u = updater("optimizer.learning-rate=0.1", "optimizer.schedule.type=cosine",
                "optimizer.schedule.step-every=10", "optimizer.schedule.decay-iterations=40");
        double[] rates = {u.getLearningRate(0, 0), u.getLearningRate(9, 0), u.getLearningRate(10, 0),
            u.getLearningRate(20, 0), u.getLearningRate(35, 0), u.getLearningRate(40, 0), u.getLearningRate(1000, 9)};
        double c1 = 0.05 * (1 + Math.cos(Math.PI / 4));
        double c3 = 0.05 * (1 + Math.cos(3 * Math.PI / 4));
        assertArrayEquals(new double[] {0.1, 0.1, c1, 0.05, c3, c3, c3}, rates, 1e-12);
    }

    @Test
    void cosineScheduleAfterWarmup() {
        IUpdater u = updater("optimizer.learning-rate=0.1", "optimizer.schedule.type=cosine",
                "optimizer.schedule.step-every=1", "optimizer.schedule.decay-iterations=10",
                "optimizer.schedule.warmup-iterations=2");
        assertEquals(0.05, u.getLearningRate(0, 0), 1e-12);
        assertEquals(0.05 * (1 + Math.cos(Math.PI / 10)), u.getLearningRate(1, 0), 1e-12);
        assertEquals(0.05 * (1 + Math.cos(Math.PI * 5 / 10)), u.getLearningRate(5, 0), 1e-12);
    }

    @Test
    void warmupRampsUpToTheScheduledRate() {
        IUpdater u = updater("optimizer.learning-rate=0.1", "optimizer.schedule.warmup-iterations=4");
        double[] rates = {u.getLearningRate(0, 0), u.getLearningRate(1, 0), u.getLearningRate(2, 0),
            u.getLearningRate(3, 0), u.getLearningRate(4, 0), u.getLearningRate(100, 0)};
        assertArrayEquals(new double[] {0.025, 0.05, 0.075, 0.1, 0.1, 0.1}, rates, 1e-12);
    }

    @Test
    void linearScalingFollowsTheGlobalBatch() {
        assertEquals(0.1 * 512 / 256, updater("optimizer.learning-rate=0.1", "training.batch-size=512",
                "optimizer.reference-batch-size=256").getLearningRate(0, 0), 1e-12);
        assertEquals(0.1, updater("optimizer.learning-rate=0.1", "training.batch-size=512").getLearningRate(0, 0),
                1e-12);
    }

    @Test
    void classicalMomentumAccumulatesAVelocity() {
        IUpdater u = updater("optimizer.name=momentum", "optimizer.learning-rate=0.1", "optimizer.momentum.momentum=0.5");
        INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 2);
        GradientUpdater<?> g = u.instantiate(state, true);
        INDArray step1 = Nd4j.createFromArray(new double[][] {{1.0, -2.0}});
        g.applyUpdater(step1, 0, 0);
        assertArrayEquals(new double[] {0.1, -0.2}, step1.toDoubleVector(), 1e-12);      // v = lr g
        INDArray step2 = Nd4j.createFromArray(new double[][] {{1.0, 0.0}});
        g.applyUpdater(step2, 1, 0);
        assertArrayEquals(new double[] {0.15, -0.1}, step2.toDoubleVector(), 1e-12);     // v = mu v + lr g
        assertArrayEquals(new double[] {0.15, -0.1}, state.toDoubleVector(), 1e-12);     // kept in DL4J's state view
    }

    @Test
    void cosineScheduleIsDl4jsOwnAndSurvivesTheModelsJson() {
        NetworkSpec spec = TestSpecs.spec(List.of(3), 2, "optimizer.schedule.type=cosine",
                "optimizer.schedule.step-every=5", "optimizer.schedule.decay-iterations=50");
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec);
        IUpdater original = ((BaseLayer) conf.getConf(0).getLayer()).getIUpdater();
        assertInstanceOf(MapSchedule.class, ((Adam) original).getLearningRateSchedule());
        IUpdater restored = ((BaseLayer) MultiLayerConfiguration.fromJson(conf.toJson()).getConf(0).getLayer())
                .getIUpdater();
        for (int i = 0; i < 60; i += 3) {
            assertEquals(original.getLearningRate(i, 0), restored.getLearningRate(i, 0), 0.0, "iteration " + i);
        }
    }

    @Test
    void customOptimizerAndScheduleSurviveTheModelsJson() {
        NetworkSpec spec = TestSpecs.spec(List.of(3), 2, "optimizer.name=momentum", "optimizer.schedule.type=step",
                "optimizer.schedule.warmup-iterations=5");
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        IUpdater restored = ((BaseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertInstanceOf(ClassicMomentum.class, restored);
        assertEquals(((BaseLayer) conf.getConf(0).getLayer()).getIUpdater(), restored);
        assertEquals(0.9, ((ClassicMomentum) restored).getMomentum(), 0.0);
        assertEquals(0.0002, restored.getLearningRate(0, 0), 1e-12);
    }
}
