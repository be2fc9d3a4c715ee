package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.train.TrainingResult;

/**
 * data.augment reaches the executors' training minibatches: flips and shifts change the steps, the same way on
 * every run with the same seed (the draws come from the seed, the iteration and the rank), and never the
 * evaluation's images.
 */
class AugmentationTest extends LocalSparkTest {
    private ConfigLoader.Loaded config(String... augment) {
        List<String> settings = new ArrayList<>(List.of("optimizer.name=sgd", "optimizer.learning-rate=0.1",
                "training.max-iterations=6", "training.epochs=1", "model.activation=tanh"));
        settings.addAll(List.of(augment));
        return TestData.config(out, settings.toArray(String[]::new));
    }

    @Test
    void flipsAndShiftsChangeTheStepsReproducibly() {
        TrainingResult plain = Distributed.train(sc, data, config());
        TrainingResult flipped = Distributed.train(sc, data, config("data.augment.horizontal-flip=true",
                "data.augment.max-shift=2"));
        TrainingResult again = Distributed.train(sc, data, config("data.augment.horizontal-flip=true",
                "data.augment.max-shift=2"));
        assertEquals(6, flipped.iterations());
        assertArrayEquals(finalState(flipped).params(), finalState(again).params(), "the same draws on a rerun");
        double moved = Tolerances.maxAbsoluteError(finalState(plain).params(), finalState(flipped).params());
        assertTrue(moved > 1e-3, "augmented training moved the parameters only " + moved + " from plain training");
    }
}
