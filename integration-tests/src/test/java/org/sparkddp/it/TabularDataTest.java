package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.HeldOutScorer;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.eval.RegressionAggregator;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.InMemoryExamples;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.checkpoint.DriverStates;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.stage.EvaluateTask;

/**
 * CSV and LibSVM data as the executors decode, check and normalize it (against the test's own reader,
 * {@link TabularReference}), the executors' evaluation, and the real training job.
 */
class TabularDataTest extends LocalSparkTest {
    static final Path DIR = Path.of("src", "test", "resources", "tabular").toAbsolutePath();
    static final Path REGRESSION_TRAIN = DIR.resolve("regression-train.csv");
    static final Path REGRESSION_TEST = DIR.resolve("regression-test.csv");
    static final Path MOONS_TRAIN = DIR.resolve("moons-train.csv");
    static final Path MOONS_TEST = DIR.resolve("moons-test.csv");

    private static DataConfig csv(String... overrides) {
        List<String> all = new java.util.ArrayList<>(List.of("data.format=csv", "data.csv.header=true",
                "data.train=" + REGRESSION_TRAIN.toUri(), "data.test=" + Path.of("").toAbsolutePath()
                        .relativize(REGRESSION_TEST), "output.dir=/tmp/unused"));
        all.addAll(List.of(overrides));
        return ConfigLoader.load(null, all).config().data();
    }

    /** The data as the executors decode, check and normalize it, through the session the command gives them. */
    private JobData decoded(DataConfig data, TargetKind kind) {
        return JobData.open(data, ValidationConfig.NONE, 0, kind, new Configuration(),
                Optional.of(SparkSetup.session(sc)));
    }

    /** All of {@code source}'s examples, in file order: one evaluation slice, built by the executors. */
    private LabeledExamples collected(ExampleSource source) {
        try (ShardedData all = source.slices(sc, 1, "collected " + source.location())) {
            List<LabeledExamples> parts = all.rdd().collect();
            assertEquals(1, parts.size());
            return parts.get(0);
        }
    }

    private static float feature(LabeledExamples examples, int row, int column) {
        float[] values = new float[examples.numFeatures()];
        examples.features().copyRow(row, values, 0);
        return values[column];
    }

    @Test
    void regressionCsvIsStandardizedWithTrainingStatisticsThroughFileUrisAndRelativePaths() {
        Datasets raw = TabularReference.load(csv(), TargetKind.REAL);
        JobData standardized = decoded(csv("data.normalize=standardize"), TargetKind.REAL);
        assertEquals(2000, standardized.train().size());
        assertEquals(500, standardized.test().size());
        assertEquals(8, standardized.train().numFeatures());
        assertEquals(1, standardized.train().targetWidth());
        assertArrayEquals(new int[] {8}, standardized.train().inputShape());
        LabeledExamples test = collected(standardized.test());
        assertFalse(((RealTargets) test.targets()).isBinary());

        DenseFeatures train = (DenseFeatures) raw.train().features();
        DenseFeatures rawTest = (DenseFeatures) raw.test().features();
        for (int c = 0; c < 8; c++) {
            double mean = 0;
            double squares = 0;
            for (int r = 0; r < train.rows(); r++) {
                mean += train.get(r, c);
                squares += (double) train.get(r, c) * train.get(r, c);
            }
            mean /= train.rows();
            double std = Math.sqrt(squares / train.rows() - mean * mean);
            for (int r : new int[] {0, 123, 499}) {
                assertEquals((rawTest.get(r, c) - mean) / std, feature(test, r, c), 1e-4,
                        "test row " + r + " feature " + c + " uses the training mean and deviation");
            }
        }
        assertArrayEquals(((RealTargets) raw.test().targets()).values(), ((RealTargets) test.targets()).values(), 0f,
                "targets are not normalized");
    }

    @Test
    void libsvmAndSkippedRowsThroughTheExecutors() throws Exception {
        Path tiny = DIR.resolve("tiny.libsvm");
        JobData svm = decoded(csv("data.format=libsvm", "data.train=" + tiny, "data.test=" + tiny),
                TargetKind.CLASS_INDEX);
        assertEquals(4, svm.train().size());
        assertEquals(4, svm.train().numFeatures());
        assertArrayEquals(new int[] {1, 0, 1, 0}, collected(svm.test()).classLabels().labels());

        Path bad = out.resolve("bad.csv");
        Files.writeString(bad, "a,b,label\n1,2,0\n1,2\n3,4,1\nx,1,1\n");
        JobData skipped = decoded(csv("data.train=" + bad, "data.test=" + bad, "data.on-bad-row=skip",
                "data.normalize=scale"), TargetKind.CLASS_INDEX);
        assertEquals(2, skipped.trainRowsSkipped());
        assertEquals(2, skipped.testRowsSkipped());
        assertEquals(2, skipped.train().size());
        LabeledExamples train = collected(skipped.train());
        assertArrayEquals(new float[] {0, 0, 1, 1}, new float[] {feature(train, 0, 0), feature(train, 0, 1),
            feature(train, 1, 0), feature(train, 1, 1)}, 0f);
    }

    /** Executors score real targets exactly as the driver does: Kryo, partitions and the tree merge lose nothing. */
    @Test
    void distributedRegressionEvaluationEqualsTheDriversOwn() {
        // Two targets (x7 and y), scored by a regression network (identity output, mean squared error).
        Datasets data = TabularReference.load(csv("data.csv.label-columns=[7, 8]", "data.normalize=standardize"),
                TargetKind.REAL);
        LabeledExamples test = data.test();
        var config = TestData.config(out, "model.output.loss=mse", "model.output.activation=identity").config();
        NetworkSpec spec = NetworkSpec.of(config, test.inputShape(), 2);
        TrainableNetwork network = NetworkFactory.build(spec);
        HeldOutMetrics local = new HeldOutScorer(network::output, test.numFeatures(), MetricsSpec.of(test.targets()))
                .add(test).result();
        String runId = "tabular-" + System.nanoTime();
        try (ShardedData shards = ShardedData.forEvaluation(sc, test, 3, "regression test");
             DriverStates states = DriverStates.withChunks(sc, 1024)) {
            StateVersion state = states.put(runId, ModelState.capture(network, 0, 0));
            HeldOutMetrics distributed = shards.rdd()
                    .mapPartitions(new EvaluateTask(runId, spec, state, shards.metrics()))
                    .treeReduce(HeldOutMetrics::merge);
            assertTrue(distributed instanceof RegressionAggregator);
            assertEquals(500, distributed.examples());
            assertEquals(local.meanLoss(), distributed.meanLoss(), 1e-9);
            assertTrue(local.meanLoss() > 0);
        }
    }

    /**
     * The binary moons CSV trains end to end as two classes, standardized, through the job the command line runs:
     * with the session {@code train} gives it, so that the executors decode, check, normalize and shard the files.
     */
    @Test
    void moonsCsvTrainsThroughTheRealJob() throws Exception {
        Path dir = out.resolve("moons");
        ConfigLoader.Loaded loaded = TestData.config(dir, "data.format=csv", "data.csv.header=true",
                "data.train=" + MOONS_TRAIN, "data.test=" + MOONS_TEST, "data.normalize=standardize",
                "data.on-bad-row=skip", "model.layers=[{type=dense,units=32},{type=dense,units=32}]", "model.activation=tanh", "training.epochs=8",
                "training.batch-size=64", "optimizer.learning-rate=0.01");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(console, true, StandardCharsets.UTF_8), false);
        TrainingJob.Prepared prepared = job.prepare(Optional.of(SparkSetup.session(sc)));
        assertFalse(prepared.data().train() instanceof InMemoryExamples, "the executors read the CSV, not the driver");
        TrainingResult result = job.run(sc, prepared);

        // Noisy moons (noise 0.15) are nearly separable by a small MLP: chance is 0.5, a linear rule about 0.87.
        assertTrue(result.test().accuracy() >= 0.9, "test accuracy " + result.test().accuracy());
        JsonNode summary = Json.parse(Files.readString(dir.resolve("summary.json")));
        assertEquals(result.test().accuracy(), summary.get("test_accuracy").asDouble(), 0.0);
        assertEquals("csv", summary.at("/data/format").asText());
        assertEquals("standardize", summary.at("/data/normalize").asText());
        assertEquals(0, summary.at("/data/train_rows_skipped").asLong(-1));
        assertEquals(2, summary.get("confusion_matrix").size());
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("done: test accuracy"), printed);
        assertFalse(printed.contains("skipped"), "no row was skipped, so none is reported: " + printed);
    }
}
