package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The Spark ML API in a Pipeline (VectorAssembler, StandardScaler, our classifier) on the two-moons example data,
 * in a session a Spark ML user builds, with the trainer's settings added.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SparkMlPipelineTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    SparkSession spark;
    Dataset<Row> train;
    Dataset<Row> test;

    @BeforeAll
    void start() {
        // As a Spark ML user would: their own session, with what the trainer needs added.
        spark = SparkSession.builder().config(SparkDdpClassifier.configure(new SparkConf().setMaster("local[2]")
                .setAppName("spark-ml-test").set("spark.ui.enabled", "false"))).getOrCreate();
        train = csv("moons-train.csv");
        test = csv("moons-test.csv");
    }

    private Dataset<Row> csv(String name) {
        return spark.read().option("header", true).option("inferSchema", true)
                .csv(REPO.resolve("data/examples").resolve(name).toString());
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private static Pipeline pipeline() {
        SparkDdpClassifier classifier = new SparkDdpClassifier()
                .setConfig("model { layers = [{ type = dense, units = 16 }], activation = tanh }")
                .setEpochs(15).setBatchSize(64).setLearningRate(0.01).setWorkers(2).setSeed(7);
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(new String[] {"x", "y"}).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
            classifier});
    }

    @Test
    void aPipelineFitsPredictsAndRoundTripsThroughSaveAndLoad(@TempDir Path dir) throws java.io.IOException {
        PipelineModel fitted = pipeline().fit(train);
        List<Row> predicted = fitted.transform(test).select("features", "label", "probability", "prediction")
                .collectAsList();
        assertEquals(test.count(), predicted.size(), "one output row per input row");
        long correct = predicted.stream().filter(r -> r.getDouble(3) == ((Number) r.get(1)).doubleValue()).count();
        double accuracy = (double) correct / predicted.size();
        System.out.printf("Spark ML pipeline: test accuracy %.4f on %d rows%n", accuracy, predicted.size());
        // Stated bar: 15 epochs of a 16-unit tanh layer separate the two moons well above chance (0.5); 0.99
        // was measured.
        assertTrue(accuracy > 0.9, "accuracy " + accuracy);

        // transform is the DL4J network's own output, row for row.
        SparkDdpModel model = (SparkDdpModel) fitted.stages()[2];
        MultiLayerNetwork network = (MultiLayerNetwork) model.network();
        double[][] features = predicted.stream().map(r -> ((Vector) r.get(0)).toArray()).toArray(double[][]::new);
        INDArray expected = network.output(Nd4j.create(features).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
        for (int r = 0; r < predicted.size(); r++) {
            assertArrayEquals(expected.getRow(r).toDoubleVector(), ((Vector) predicted.get(r).get(2)).toArray(), 1e-6,
                    "row " + r);
        }

        // Saved and loaded as a PipelineModel, it predicts exactly the same.
        String path = dir.resolve("pipeline").toString();
        fitted.write().overwrite().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> again = loaded.transform(test).select("probability", "prediction").collectAsList();
        for (int r = 0; r < predicted.size(); r++) {
            assertArrayEquals(((Vector) predicted.get(r).get(2)).toArray(), ((Vector) again.get(r).get(0)).toArray(),
                    0.0);
            assertEquals(predicted.get(r).getDouble(3), again.get(r).getDouble(1));
        }
        SparkDdpModel reloaded = (SparkDdpModel) loaded.stages()[2];
        assertEquals(model.uid(), reloaded.uid());
        assertEquals("features", reloaded.getOrDefault(reloaded.featuresCol()));

        // The unfitted pipeline saves and loads too, settings and all.
        pipeline().write().overwrite().save(dir.resolve("unfitted").toString());
        SparkDdpClassifier stage = (SparkDdpClassifier) Pipeline.load(dir.resolve("unfitted").toString())
                .getStages()[2];
        assertEquals(15, ((Number) stage.getOrDefault(stage.epochs())).intValue());
        assertTrue(stage.getOrDefault(stage.config()).contains("units = 16"));
    }

    @Test
    void fitDecodesOnTheExecutorsAndNamesABadRowInOneLine() {
        // The executors check the rows; the first bad one is named by its place (partition 0, row 3), one line.
        Dataset<Row> nullLabel = train.coalesce(1).selectExpr("array(x, y) as features",
                "CASE WHEN monotonically_increasing_id() = 2 THEN NULL ELSE label END as label");
        org.sparkddp.common.error.InvalidDataException bad = assertThrows(
                org.sparkddp.common.error.InvalidDataException.class,
                () -> new SparkDdpClassifier().setEpochs(1).fit(nullLabel));
        assertEquals("DataFrame:3: the label is null", bad.getMessage());
        org.sparkddp.common.error.InvalidDataException single = assertThrows(
                org.sparkddp.common.error.InvalidDataException.class,
                () -> new SparkDdpClassifier().setEpochs(1).fit(train.selectExpr("array(x, y) as features",
                        "0 as label")));
        assertEquals("column 'label': holds a single class (every label is 0)", single.getMessage());
    }

    /**
     * fit and transform bring no rows to the driver: on 16 times the rows (the same rows repeated, in as many
     * partitions), the task results the driver receives stay about the same (a SparkListener counts them; were the
     * rows collected, 30,000 more would add about a megabyte).
     */
    @Test
    void fitAndTransformSendNoRowsToTheDriver() {
        Dataset<Row> rows = train.selectExpr("array(x, y) as features", "label");
        Dataset<Row> many = rows;
        for (int i = 1; i < 16; i++) {
            many = many.union(rows);
        }
        // One partition each, so that both runs have as many tasks: each task's result carries its own metrics.
        long small = driverBytes(rows.coalesce(1));
        long large = driverBytes(many.coalesce(1));
        assertTrue(small > 0);
        assertTrue(large < 1.5 * small, "the driver received " + small + " bytes for " + rows.count()
                + " rows but " + large + " for " + many.count());
    }

    /** Task result bytes of one fit (20 iterations) and one transform of {@code rows}, written nowhere. */
    private long driverBytes(Dataset<Row> rows) {
        // Checkpointed, not cached: reading the CSV is not under test, and the lineage is cut so that both runs'
        // tasks carry the same plan. A task sends back every SQL metric its lineage registers, zero or not; the
        // 16-way union's (about 1.7 KB a task, for each job that reads the rows) grew with the test's plan, not
        // with rows, and ate most of the 1.5 margin.
        rows = rows.localCheckpoint();
        try (org.sparkddp.driver.spark.DriverResultBytes bytes =
                     org.sparkddp.driver.spark.DriverResultBytes.watch(spark.sparkContext())) {
            SparkDdpModel model = new SparkDdpClassifier()
                    // The same 20 iterations either way: each iteration's loss comes back, rows must not. No
                    // time bound: on a loaded machine stage-seconds may split a fit into more stages, each of
                    // which sends its own reports (figures, not rows), so the byte count would follow the clock.
                    .setConfig("model { layers = [{ type = dense, units = 16 }], activation = tanh }\n"
                            + "training.max-iterations = 20\ntraining.stage-seconds = null")
                    .setEpochs(1).setBatchSize(64).setLearningRate(0.01).setWorkers(2).setSeed(7).fit(rows);
            model.transform(rows).write().format("noop").mode("overwrite").save();
            return bytes.total();
        }
    }

    @Test
    void settingsAreValidatedAndNamed() {
        assertThrows(IllegalArgumentException.class, () -> new SparkDdpClassifier().setLearningRate(-1));
        InvalidConfigException bad = assertThrows(InvalidConfigException.class, () -> new SparkDdpClassifier()
                .setFeaturesCol("x").setConfig("model.layers = 3").fit(train.selectExpr("array(x, y) as x", "label")));
        assertTrue(bad.getMessage().contains("model.layers"), bad.getMessage());
        InvalidConfigException missing = assertThrows(InvalidConfigException.class,
                () -> new SparkDdpClassifier().fit(train));
        assertTrue(missing.getMessage().startsWith("featuresCol: names column 'features', which the DataFrame lacks"),
                missing.getMessage());
        // The defaults are those of defaults.conf.
        SparkDdpClassifier fresh = new SparkDdpClassifier();
        assertEquals(ConfigLoader.defaults().getInt("training.epochs"),
                ((Number) fresh.getOrDefault(fresh.epochs())).intValue());
    }

    @Test
    void fitHoldsOutAValidationFractionAndStopsEarlyOnIt() {
        Dataset<Row> rows = train.selectExpr("array(x, y) as features", "label");
        long n = rows.count();
        // min-delta 0.05: after the first few epochs no epoch improves the validation loss that much.
        SparkDdpModel model = new SparkDdpClassifier().setEpochs(30).setBatchSize(64).setLearningRate(0.01)
                .setWorkers(2).setSeed(7).setConfig("model { layers = [{ type = dense, units = 16 }], activation = tanh"
                        + " }\nvalidation { fraction = 0.25, patience = 2, min-delta = 0.05 }").fit(rows);
        MultiLayerNetwork network = (MultiLayerNetwork) model.network();
        long perEpoch = (long) Math.ceil(Math.round(n * 0.75) / 64.0);
        int epochs = network.getEpochCount();
        System.out.printf("fit with early stopping: the model kept is epoch %d's of at most 30%n", epochs);
        assertTrue(epochs >= 1 && epochs <= 27, "epoch " + epochs); // stopped, keeping an epoch 2 or more before
        assertEquals(epochs * perEpoch, network.getIterationCount());

        InvalidConfigException file = assertThrows(InvalidConfigException.class, () -> new SparkDdpClassifier()
                .setConfig("data.validation = \"/tmp/v.csv\"").fit(rows));
        assertTrue(file.getMessage().startsWith("data.validation: does not apply to fit"), file.getMessage());
        InvalidConfigException checkpoints = assertThrows(InvalidConfigException.class, () -> new SparkDdpClassifier()
                .setConfig("checkpoint.dir = /tmp/ckpt").fit(rows));
        assertTrue(checkpoints.getMessage().startsWith("checkpoint.dir: does not apply to fit"),
                checkpoints.getMessage());
    }

    @Test
    void aRegressorPredictsRealValuesAndRoundTrips(@TempDir Path dir) throws java.io.IOException {
        Dataset<Row> rtrain = csv("regression-train.csv");
        Dataset<Row> rtest = csv("regression-test.csv");
        String[] inputs = java.util.Arrays.stream(rtrain.columns()).filter(c -> !c.equals("y")).toArray(String[]::new);
        PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(inputs).setOutputCol("features"),
            new SparkDdpRegressor().setLabelCol("y").setEpochs(20).setBatchSize(64).setLearningRate(0.005)
                    .setWorkers(2).setSeed(7).setConfig("model { layers = [{ type = dense, units = 32 }],"
                            + " activation = tanh }")}).fit(rtrain);
        List<Row> predicted = fitted.transform(rtest).select("features", "y", "prediction").collectAsList();
        assertEquals(List.of(rtest.columns().length + 2), List.of(fitted.transform(rtest).columns().length),
                "a regressor adds the features and one prediction column");
        double mean = predicted.stream().mapToDouble(r -> ((Number) r.get(1)).doubleValue()).average().orElseThrow();
        double squared = 0;
        double total = 0;
        SparkDdpModel model = (SparkDdpModel) fitted.stages()[1];
        MultiLayerNetwork network = (MultiLayerNetwork) model.network();
        for (Row r : predicted) {
            double y = ((Number) r.get(1)).doubleValue();
            squared += (r.getDouble(2) - y) * (r.getDouble(2) - y);
            total += (y - mean) * (y - mean);
            INDArray expected = network.output(Nd4j.create(new double[][] {((Vector) r.get(0)).toArray()})
                    .castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
            assertEquals(expected.getDouble(0, 0), r.getDouble(2), 1e-6);
        }
        double r2 = 1 - squared / total;
        System.out.printf("Spark ML regressor: test R2 %.4f on %d rows%n", r2, predicted.size());
        assertTrue(r2 > 0.5, "R2 " + r2); // stated bar: well above the 0 of predicting the mean

        String path = dir.resolve("regression").toString();
        fitted.write().overwrite().save(path);
        List<Row> again = PipelineModel.load(path).transform(rtest).select("prediction").collectAsList();
        for (int i = 0; i < predicted.size(); i++) {
            assertEquals(predicted.get(i).getDouble(2), again.get(i).getDouble(0));
        }
    }
}
