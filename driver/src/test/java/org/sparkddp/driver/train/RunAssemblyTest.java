package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.data.InMemoryExamples;
import org.sparkddp.driver.spark.ExecutorMemory;

/**
 * The checks a run passes before Spark trains, which the command line and the estimator share: each bad setting
 * fails in one line that names its key, whichever front end assembled the run.
 */
class RunAssemblyTest {
    private static SparkDdpConfig config(String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused", "data.test=unused", "output.dir=unused",
                "model.layers=[{type=dense,units=4}]"));
        all.addAll(List.of(settings));
        return ConfigLoader.load(null, all).config();
    }

    private static RunAssembly.Examples examples(int rows) {
        float[] features = new float[rows * 6];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            features[r * 6 + r % 6] = 1;
            labels[r] = r % 3;
        }
        InMemoryExamples source = new InMemoryExamples("rows", new LabeledExamples(new DenseFeatures(rows, 6,
                features), new ClassLabels(3, labels)));
        return new RunAssembly.Examples("fit", "the DataFrame", source, source, Optional.empty());
    }

    @Test
    void moreWorkersThanExamplesNamesTheKeyAndTheSource() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RunAssembly.check(
                config("training.workers=4"), examples(3), new int[] {6}, ExecutorMemory.localJvm(), line -> { }));
        assertTrue(e.getMessage().contains("training.workers"), e.getMessage());
        assertTrue(e.getMessage().contains("the DataFrame holds only 3 examples"), e.getMessage());
    }

    @Test
    void augmentationOfFlatRowsIsRefusedWhicheverFrontEnd() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RunAssembly.check(
                config("data.augment.horizontal-flip=true"), examples(12), new int[] {6}, ExecutorMemory.localJvm(),
                line -> { }));
        assertTrue(e.getMessage().contains("data.augment.horizontal-flip"), e.getMessage());
    }

    @Test
    void aBatchLargerThanTheExamplesIsAWarningAndTheLengthFollowsTheCut() {
        List<String> notices = new ArrayList<>();
        RunAssembly run = RunAssembly.check(config("training.batch-size=8", "training.epochs=3",
                "training.workers=2"), examples(20), new int[] {6}, ExecutorMemory.localJvm(), notices::add);
        assertTrue(notices.isEmpty(), String.valueOf(notices));
        assertEquals(3, run.iterationsPerEpoch(), "20 examples in batches of 8");
        assertEquals(9, run.totalIterations());
        assertEquals(5, run.totalIterations(5), "under a cap of 5");
        RunAssembly.check(config("training.batch-size=64"), examples(20), new int[] {6}, ExecutorMemory.localJvm(),
                notices::add);
        assertEquals(1, notices.size(), String.valueOf(notices));
        assertTrue(notices.get(0).startsWith("warning: training.batch-size = 64"), notices.get(0));
    }
}
