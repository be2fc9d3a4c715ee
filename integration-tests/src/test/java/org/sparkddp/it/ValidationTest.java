package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.plan.HoldOut;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.DriverStates;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.EpochRecord;
import org.sparkddp.driver.train.TrainingResult;

/**
 * Validation sets and early stopping, through the job the command line runs. The overfitting case trains a wide
 * MLP on 200 of the subset's images and validates on the other 1,800: the training loss keeps falling while the
 * validation loss turns upward within a few epochs.
 */
class ValidationTest extends LocalSparkTest {
    private static final String[] OVERFIT = {"validation.fraction=0.9", "validation.patience=3",
        "model.layers=[{type=dense, units=256}, {type=dense, units=256}]", "optimizer.learning-rate=0.003",
        "training.batch-size=50", "training.epochs=40"};

    private TrainingResult run(ConfigLoader.Loaded loaded, Optional<Checkpoint> resume, ByteArrayOutputStream console)
            throws IOException {
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(console, true, StandardCharsets.UTF_8), false);
        return job.run(sc, job.prepare(), resume);
    }

    private ConfigLoader.Loaded overfit(String name, String... more) {
        List<String> settings = new ArrayList<>(List.of(OVERFIT));
        settings.add("output.dir=" + out.resolve(name));
        settings.addAll(List.of(more));
        return TestData.config(out, settings.toArray(String[]::new));
    }

    @Test
    void earlyStoppingStopsWhenTheValidationLossTurnsUpAndSavesTheBestEpochsModel() throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ConfigLoader.Loaded loaded = overfit("overfit");
        TrainingResult result = run(loaded, Optional.empty(), console);

        TrainingResult.ValidationOutcome v = result.validation().orElseThrow();
        List<EpochRecord> epochs = result.epochs();
        assertTrue(v.stoppedEarly() && epochs.size() < 40, "ran " + epochs.size() + " epochs");
        // It stopped exactly patience evaluations after the best one, none of which beat it.
        assertEquals(v.bestEpoch() + 3 + 1, epochs.size());
        double[] validationLoss = epochs.stream().mapToDouble(e -> e.validation().orElseThrow().meanLoss()).toArray();
        assertEquals(IntStream.range(0, validationLoss.length).boxed()
                .min((a, b) -> Double.compare(validationLoss[a], validationLoss[b])).orElseThrow(), v.bestEpoch());
        // The data overfits: training loss still falls after the best epoch while the validation loss rose.
        assertTrue(epochs.get(epochs.size() - 1).trainLoss() < epochs.get(v.bestEpoch()).trainLoss());
        assertTrue(validationLoss[validationLoss.length - 1] > v.bestLoss());

        // The model saved is the best epoch's, not the last: DL4J scores it on the validation examples to the best
        // loss, and its test figures are that epoch's.
        assertTrue(v.keptBest());
        Datasets whole = Datasets.load(loaded.config().data(), TargetKind.CLASS_INDEX, new Configuration());
        HoldOut.Parts<LabeledExamples> data = HoldOut.of(whole.train().size(), 0.9, 42)
                .split(whole.train(), LabeledExamples::select);
        LabeledExamples validation = data.held().orElseThrow();
        // The per-row rule holds out about 90% (HoldOut.Rule): the exact count is the seed's draw.
        assertEquals(2000, data.kept().size() + validation.size());
        assertEquals(HoldOut.of(2000, 0.9, 42).held().length, validation.size());
        assertTrue(validation.size() > 1740 && validation.size() < 1860, "held " + validation.size());
        MultiLayerNetwork saved = MultiLayerNetwork.load(out.resolve("overfit/model.zip").toFile(), false);
        assertArrayEquals(result.model().params(), saved.params().toFloatVector(), 0f);
        double dl4jLoss = saved.score(Minibatches.assemble(validation,
                IntStream.range(0, validation.size()).toArray()));
        assertEquals(v.bestLoss(), dl4jLoss, 1e-4);
        assertEquals(epochs.get(v.bestEpoch()).test().accuracy(), result.test().accuracy(), 0.0);

        JsonNode summary = Json.parse(Files.readString(out.resolve("overfit/summary.json")));
        assertEquals(v.bestEpoch() + 1, summary.get("best_epoch").asInt());
        assertEquals(epochs.size(), summary.get("epochs").asInt());
        assertTrue(summary.at("/validation/stopped_early").asBoolean());
        assertEquals(v.bestEpoch() + 1, summary.at("/validation/model_epoch").asInt());
        assertEquals(validation.size(), summary.at("/validation/examples").asInt());
        assertEquals(data.kept().size(), summary.get("train_examples").asInt());
        assertEquals(result.test().accuracy(), summary.get("test_accuracy").asDouble(), 0.0);

        // Every epoch line of metrics.jsonl has the training and the validation loss, for the overfitting chart.
        List<JsonNode> epochLines = Files.readAllLines(out.resolve("overfit/metrics.jsonl")).stream()
                .map(Json::parse).filter(n -> n.path("type").asText().equals("epoch")).toList();
        assertEquals(epochs.size(), epochLines.size());
        for (int e = 0; e < epochs.size(); e++) {
            assertEquals(validationLoss[e], epochLines.get(e).get("val_loss").asDouble(), 0.0);
            assertTrue(epochLines.get(e).has("train_loss") && epochLines.get(e).has("val_accuracy"));
        }
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains(String.format(java.util.Locale.ROOT, "validation: best loss %.4f after epoch %d"
                + " · stopped early after epoch %d · the model saved is epoch %d's", v.bestLoss(), v.bestEpoch() + 1,
                epochs.size(), v.bestEpoch() + 1)), printed);
        assertTrue(Files.readString(out.resolve("overfit/report.html")).contains("lowest loss after epoch "
                + (v.bestEpoch() + 1)));
    }

    @Test
    void aRunResumedAfterItsBestEpochStopsWhereTheUninterruptedRunStopsWithTheSameModel() throws IOException {
        String[] checkpoints = {"checkpoint.dir=" + out.resolve("ckpt"), "checkpoint.keep=100"};
        TrainingResult whole = run(overfit("whole", checkpoints), Optional.empty(), new ByteArrayOutputStream());
        int best = whole.validation().orElseThrow().bestEpoch();
        assertTrue(whole.validation().get().stoppedEarly());

        // The checkpoint after the epoch that followed the best: its current state is no longer the best one.
        // batch-size 50: an epoch of the kept rows (HoldOut's draw of the 2,000) takes ceil(kept / 50) iterations.
        long kept = HoldOut.of(2000, 0.9, 42).kept().length;
        long iteration = (kept + 49) / 50 * (best + 2);
        Checkpoint after = CheckpointStore.read(out.resolve(String.format("ckpt/ckpt-%012d", iteration)).toString(),
                new Configuration());
        assertEquals(best, after.stopping().orElseThrow().bestEpoch());
        assertEquals(1, after.stopping().get().sinceBest());
        assertFalse(java.util.Arrays.equals(DriverStates.fetch(after.state()).params(),
                DriverStates.fetch(after.stopping().get().bestState()).params()));

        TrainingResult resumed = run(overfit("resumed"), Optional.of(after), new ByteArrayOutputStream());
        assertEquals(whole.iterations(), resumed.iterations());
        assertEquals(best, resumed.validation().orElseThrow().bestEpoch());
        assertTrue(resumed.validation().get().stoppedEarly());
        assertArrayEquals(whole.model().params(), resumed.model().params(), 0f);
        assertEquals(whole.test().accuracy(), resumed.test().accuracy(), 0.0);
        assertEquals(whole.validation().get().bestLoss(), resumed.validation().get().bestLoss(), 0.0);

        // The checkpoint of the epoch where it stopped: patience is used up, so a resume trains nothing more and
        // saves the same best model.
        Checkpoint stopped = CheckpointStore.read(out.resolve(String.format("ckpt/ckpt-%012d", whole.iterations()))
                .toString(), new Configuration());
        assertEquals(3, stopped.stopping().orElseThrow().sinceBest());
        TrainingResult again = run(overfit("again"), Optional.of(stopped), new ByteArrayOutputStream());
        assertEquals(whole.iterations(), again.iterations());
        assertTrue(again.validation().orElseThrow().stoppedEarly());
        assertEquals(best, again.validation().get().bestEpoch());
        assertArrayEquals(whole.model().params(), again.model().params(), 0f);
        assertEquals(whole.test().accuracy(), again.test().accuracy(), 0.0);
    }

    @Test
    void aValidationFileIsEvaluatedEveryNEpochsWithoutStopping() throws IOException {
        ConfigLoader.Loaded loaded = TestData.config(out, "output.dir=" + out.resolve("file"),
                "data.validation=" + TestData.TEST, "validation.every-epochs=2", "training.epochs=3",
                "training.max-iterations=40");
        TrainingResult result = run(loaded, Optional.empty(), new ByteArrayOutputStream());
        // Epochs 2 and 3 (16 + 16 + 8 iterations: the cap ends the third, so it is the last); the final model is
        // saved and its figures reported.
        assertEquals(List.of(false, true, true), result.epochs().stream().map(e -> e.validation().isPresent()).toList());
        TrainingResult.ValidationOutcome v = result.validation().orElseThrow();
        assertFalse(v.keptBest() || v.stoppedEarly());
        assertArrayEquals(finalState(result).params(), result.model().params(), 0f);
        // The validation file is the test file here: the same examples give the same loss.
        EpochRecord last = result.epochs().get(2);
        assertEquals(last.test().meanLoss(), last.validation().orElseThrow().meanLoss(), 1e-6);
        assertEquals(2000, Json.parse(Files.readString(out.resolve("file/summary.json"))).get("train_examples").asInt());
    }
}
