package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import org.junit.jupiter.api.Test;
import org.sparkddp.driver.train.TrainingResult;

/** Parameter averaging mode: its K = 1 equivalence with sync mode, and that it trains. */
class AverageModeTest extends LocalSparkTest {
    private TrainingResult train(String... overrides) {
        return Distributed.train(sc, data, TestData.config(out, overrides));
    }

    @Test
    void averagingEveryStepWithPlainSgdEqualsSyncMode() {
        // 127 = 64 + 63: unequal shares, so the example weighting of the average is exercised too.
        String[] common = {"optimizer.name=sgd", "optimizer.learning-rate=0.1", "training.batch-size=127",
            "training.max-iterations=20", "training.epochs=2"};
        TrainingResult sync = train(concat(common, "training.mode=sync"));
        TrainingResult average = train(concat(common, "training.mode=average", "training.average-every=1"));
        double difference = Tolerances.maxAbsoluteError(finalState(sync).params(), finalState(average).params());
        assertTrue(difference <= 1e-5, "max absolute parameter difference " + difference);
        assertEquals(sync.iterations(), average.iterations());
        float[] syncLosses = sync.stages().get(0).losses();
        float[] averageLosses = average.stages().get(0).losses();
        assertArrayEquals(syncLosses, averageLosses, 1e-4f);
    }

    @Test
    void averagingEveryFourAdamStepsTrainsAndIsReproducible() {
        String[] settings = {"training.mode=average", "training.average-every=4", "training.epochs=4"};
        TrainingResult first = train(settings);
        TrainingResult second = train(settings);
        assertTrue(first.test().accuracy() >= 0.70, "test accuracy " + first.test().accuracy());
        assertTrue(first.epochs().get(3).trainLoss() < first.epochs().get(0).trainLoss());
        assertArrayEquals(finalState(first).params(), finalState(second).params(), 0f);
        assertArrayEquals(finalState(first).updaterState(), finalState(second).updaterState(), 0f);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
