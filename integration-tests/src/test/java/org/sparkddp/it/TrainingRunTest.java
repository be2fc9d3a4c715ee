package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.EpochRecord;
import org.sparkddp.driver.train.TrainingResult;

/**
 * A short real run on the committed subset, through the same job the command line runs. (The test that runs the
 * evaluate command comes last: the command stops the shared SparkContext when it ends.)
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainingRunTest extends LocalSparkTest {
    private static final List<String> SUMMARY_KEYS = List.of("test_accuracy", "test_loss", "train_loss", "epochs",
            "iterations", "workers", "mode", "wall_seconds", "samples_per_second", "sync_ms_per_iteration",
            "compute_ms_per_iteration");

    @Test
    @Order(1)
    void aRunCutByMaxIterationsSaysSoAndCountsTheEpochItTrainedIn() throws Exception {
        Path dir = out.resolve("cut");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingJob job = new TrainingJob(TestData.config(dir, "training.epochs=10", "training.max-iterations=5",
                "training.workers=1"), new Configuration(), new PrintStream(console, true, StandardCharsets.UTF_8),
                false);
        job.run(sc, job.prepare());
        String text = console.toString(StandardCharsets.UTF_8);
        // The banner: 1 worker, and 5 iterations rather than the 10 epochs the cap cuts short (16 iterations each).
        // The classes, counted from the subset's labels (data.classes is not set).
        assertTrue(text.lines().findFirst().orElse("").contains(" test examples · 10 classes (from the training"
                + " labels) · 1 worker · global batch 128 · 5 iterations (training.max-iterations; 10 epochs would be"
                + " 160) · "), text);
        assertTrue(text.contains("epoch 1/10 · train loss"), text);
        JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
        assertEquals(1, summary.get("epochs").asInt(), "the console and metrics.jsonl call it epoch 1: " + summary);
        assertEquals(0, summary.get("epochs_completed").asInt());
        assertEquals(5, summary.get("iterations").asLong());
        // The stage reports and the evaluation's merged metrics come back to the driver; the data does not.
        long received = summary.get("driver_result_bytes").asLong();
        assertTrue(received > 0 && received < 4 << 20, "driver_result_bytes " + received);
        assertEquals(Runtime.getRuntime().maxMemory(), summary.get("driver_max_heap_bytes").asLong());
    }

    @Test
    void shortRunLearnsAndWritesOutputsThatPlainDl4jLoads() throws Exception {
        Path dir = out.resolve("run");
        ConfigLoader.Loaded loaded = TestData.config(dir, "training.epochs=5", "output.log-every=4");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(console, true, StandardCharsets.UTF_8), false);
        TrainingResult result = job.run(sc, job.prepare());

        // Stated accuracy: 2,000 examples, 5 epochs (80 iterations) reach at least 0.75 on the 500 test images
        // (0.81 measured); chance is 0.10.
        assertTrue(result.test().accuracy() >= 0.75, "test accuracy " + result.test().accuracy());
        List<EpochRecord> epochs = result.epochs();
        assertEquals(5, epochs.size());
        assertTrue(epochs.get(4).trainLoss() < epochs.get(0).trainLoss() * 0.6,
                "training loss did not fall: " + epochs.get(0).trainLoss() + " -> " + epochs.get(4).trainLoss());

        JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
        for (String key : SUMMARY_KEYS) {
            assertTrue(summary.has(key), "summary.json lacks " + key);
        }
        assertEquals(result.test().accuracy(), summary.get("test_accuracy").asDouble(), 0.0);
        assertEquals(80, summary.get("iterations").asLong());
        assertEquals("sync", summary.get("mode").asText());
        // How the executors computed it (ComputePathTest covers the fallbacks' reasons).
        assertEquals("the CPU engine", summary.at("/compute/layers").asText());
        assertTrue(summary.at("/compute/step").asText().startsWith("sync, "), summary.toString());
        assertTrue(summary.get("samples_per_second").asDouble() > 0);

        // model.zip is DL4J's own format: plain DL4J loads it and scores the test set exactly as we reported.
        MultiLayerNetwork model = MultiLayerNetwork.load(dir.resolve("model.zip").toFile(), true);
        assertArrayEquals(finalState(result).params(), model.params().toFloatVector(), 0f);
        Datasets data = Datasets.load(loaded.config().data(), TargetKind.CLASS_INDEX, new Configuration());
        int[] all = java.util.stream.IntStream.range(0, data.test().size()).toArray();
        DataSet test = Minibatches.assemble(data.test(), all);
        Evaluation evaluation = new Evaluation(data.test().targetWidth());
        evaluation.eval(test.getLabels(), model.output(test.getFeatures()));
        assertEquals(evaluation.accuracy(), result.test().accuracy(), 1e-12);
        assertEquals(80, model.getIterationCount());

        // spark-ddp evaluate reads it back (validated, without Java deserialization) to the same figures.
        ByteArrayOutputStream evaluated = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int code = org.sparkddp.driver.Main.run(new String[] {"evaluate", "--model", dir.resolve("model.zip").toString(),
                        "--set", "data.test=" + TestData.TEST}, new PrintStream(evaluated, true, StandardCharsets.UTF_8),
                new PrintStream(errors, true, StandardCharsets.UTF_8));
        assertEquals(0, code, errors.toString(StandardCharsets.UTF_8));
        assertTrue(evaluated.toString(StandardCharsets.UTF_8).contains(String.format(java.util.Locale.ROOT,
                "on 500 examples of %s: test accuracy %.4f · test loss %.4f", TestData.TEST, result.test().accuracy(),
                result.test().meanLoss())), evaluated.toString(StandardCharsets.UTF_8));

        List<String> metrics = Files.readAllLines(dir.resolve("metrics.jsonl"));
        long epochLines = metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count();
        long iterationLines = metrics.stream().filter(l -> l.contains("\"type\":\"iteration\"")).count();
        assertEquals(5, epochLines);
        assertEquals(20, iterationLines);
        for (String line : metrics) {
            JsonNode node = Json.parse(line);
            assertTrue(node.has("elapsed_seconds") && node.has("samples_per_second"), line);
        }

        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(5, printed.lines().filter(l -> l.startsWith("epoch ") && l.contains("test accuracy")).count(),
                printed);
        assertTrue(printed.contains("done: test accuracy"), printed);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "temporary files left");
        }
    }
}
