package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;

/**
 * {@code spark-ddp evaluate} scores on the executors; its figures must equal a single-process computation with
 * plain DL4J (and a plain loop, for what DL4J does not compute) on the same model and examples.
 */
class EvaluateCommandTest {
    @TempDir
    Path dir;

    private static String run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String[] argv(String command, List<String> settings, String... extra) {
        List<String> all = new ArrayList<>(TestData.commandLine(command, settings));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    /** The model's outputs for every example, in one forward pass on this machine. */
    private static INDArray outputs(Path model, LabeledExamples examples) throws IOException {
        int[] all = java.util.stream.IntStream.range(0, examples.size()).toArray();
        return MultiLayerNetwork.load(model.toFile(), false).output(Minibatches.assemble(examples, all).getFeatures());
    }

    @Test
    void classificationFiguresEqualDl4jsOwnEvaluation() throws IOException {
        List<String> settings = List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir, "spark.master=local[2]", "spark.ui.enabled=false", "training.epochs=2");
        run(argv("train", settings));
        String console = run(argv("evaluate", settings, "--model", dir.resolve("model.zip").toString()));
        assertTrue(console.contains("confusion matrix (rows: true class, columns: predicted class)"), console);
        JsonNode report = Json.parse(Files.readString(dir.resolve("evaluation.json")));
        // The executors send back their partial metrics (a 10 x 10 confusion matrix each), not the examples.
        long received = report.get("driver_result_bytes").asLong();
        assertTrue(received > 0 && received < 64 << 10, "driver_result_bytes " + received);

        LabeledExamples test = Datasets.load(ConfigLoader.load(null, settings).config().data(),
                TargetKind.CLASS_INDEX, new Configuration()).test();
        INDArray p = outputs(dir.resolve("model.zip"), test);
        int[] labels = test.classLabels().labels();
        DataSet batch = Minibatches.assemble(test, java.util.stream.IntStream.range(0, test.size()).toArray());
        Evaluation dl4j = new Evaluation(10);
        dl4j.eval(batch.getLabels(), p);

        assertEquals(500, report.get("examples").asLong());
        assertEquals(dl4j.accuracy(), report.get("accuracy").asDouble(), 1e-12);
        for (int c = 0; c < 10; c++) {
            JsonNode row = report.get("per_class").get(c);
            assertEquals(dl4j.precision(c), row.get("precision").asDouble(), 1e-9, "precision of class " + c);
            assertEquals(dl4j.recall(c), row.get("recall").asDouble(), 1e-9, "recall of class " + c);
            assertEquals(dl4j.f1(c), row.get("f1").asDouble(), 1e-9, "f1 of class " + c);
            for (int predicted = 0; predicted < 10; predicted++) {
                assertEquals(dl4j.getConfusionMatrix().getCount(c, predicted),
                        report.get("confusion_matrix").get(c).get(predicted).asInt());
            }
        }
        double logLoss = 0;
        double trueProbability = 0;
        for (int i = 0; i < labels.length; i++) {
            double q = p.getDouble(i, labels[i]);
            logLoss -= Math.log(Math.max(1e-15, q));
            trueProbability += q;
        }
        assertEquals(logLoss / labels.length, report.get("log_loss").asDouble(), 1e-6);
        assertEquals(trueProbability / labels.length, report.get("mean_true_class_probability").asDouble(), 1e-6);
    }

    @Test
    void regressionFiguresEqualAPlainComputation() throws IOException {
        List<String> settings = List.of("output.dir=" + dir, "spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=3", "data.train=" + TestData.REPO.resolve("data/examples/regression-train.csv"),
                "data.test=" + TestData.REPO.resolve("data/examples/regression-test.csv"));
        String config = TestData.REPO.resolve("conf/regression-csv.conf").toString();
        run(argv("train", settings, "--config", config));
        run(argv("evaluate", settings, "--config", config, "--model", dir.resolve("model.zip").toString()));
        JsonNode target = Json.parse(Files.readString(dir.resolve("evaluation.json"))).get("per_target").get(0);

        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source(config, Files.readString(Path.of(config))),
                settings);
        LabeledExamples test = TestData.load(loaded.config().data(), TargetKind.REAL).test();
        INDArray predicted = outputs(dir.resolve("model.zip"), test);
        RealTargets y = (RealTargets) test.targets();
        double squared = 0;
        double absolute = 0;
        double mean = 0;
        for (int i = 0; i < test.size(); i++) {
            mean += y.get(i, 0) / (double) test.size();
        }
        double total = 0;
        for (int i = 0; i < test.size(); i++) {
            double error = predicted.getDouble(i, 0) - y.get(i, 0);
            squared += error * error;
            absolute += Math.abs(error);
            total += (y.get(i, 0) - mean) * (y.get(i, 0) - mean);
        }
        assertEquals(squared / test.size(), target.get("mse").asDouble(), 1e-6);
        assertEquals(absolute / test.size(), target.get("mae").asDouble(), 1e-6);
        assertEquals(1 - squared / total, target.get("r2").asDouble(), 1e-6);
        assertTrue(target.get("r2").asDouble() > 0.5, "R² " + target.get("r2")); // the model learned something
    }
}
