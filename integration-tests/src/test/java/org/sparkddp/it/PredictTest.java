package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;

/** spark-ddp predict: Parquet in, Parquet out, one row per input row, partitioned like the input, DL4J's outputs. */
@Tag("slow")
class PredictTest {
    @TempDir
    Path dir;

    private static int run(List<String> argv, ByteArrayOutputStream err) {
        return Main.run(argv.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void predictsEveryRowInTheInputsPartitionsWithTheModelsOwnOutputs() throws Exception {
        List<String> settings = List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir.resolve("run"), "spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=2");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(TestData.commandLine("train", settings), err), err.toString(StandardCharsets.UTF_8));

        // The 500 test images as Parquet in 3 partitions: an id, the pixels as array<float>, the label.
        LabeledExamples test = Datasets.load(ConfigLoader.load(null, settings).config().data(),
                TargetKind.CLASS_INDEX, new Configuration()).test();
        float[][] pixels = new float[test.size()][test.numFeatures()];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < test.size(); i++) {
            test.features().copyRow(i, pixels[i], 0);
            List<Float> values = new ArrayList<>();
            for (float v : pixels[i]) {
                values.add(v);
            }
            rows.add(RowFactory.create(i, values, test.classLabels().labels()[i]));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.IntegerType);
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(dir.resolve("input").toString());
        // Spark packs small files into fewer read partitions; the output follows those.
        int inputPartitions = spark.read().parquet(dir.resolve("input").toString()).rdd().getNumPartitions();
        spark.stop();

        List<String> predict = new ArrayList<>(TestData.commandLine("predict", settings));
        predict.addAll(List.of("--model", dir.resolve("run/model.zip").toString(), "--input",
                dir.resolve("input").toString(), "--output", dir.resolve("predicted").toString()));
        assertEquals(0, run(predict, err), err.toString(StandardCharsets.UTF_8));

        try (Stream<Path> files = Files.list(dir.resolve("predicted"))) {
            assertEquals(inputPartitions, files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count(),
                    "one output file per partition the input is read in");
        }
        spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> out = spark.read().parquet(dir.resolve("predicted").toString()).orderBy("id")
                    .select("id", "label", "probability", "prediction").collectAsList();
            assertEquals(500, out.size());
            MultiLayerNetwork network = MultiLayerNetwork.load(dir.resolve("run/model.zip").toFile(), false);
            int[] all = java.util.stream.IntStream.range(0, test.size()).toArray();
            INDArray expected = network.output(Minibatches.assemble(test, all).getFeatures());
            for (Row r : out) {
                int id = r.getInt(0);
                assertArrayEquals(expected.getRow(id).toDoubleVector(), ((Vector) r.get(2)).toArray(), 1e-6);
                assertEquals(expected.getRow(id).argMax().getInt(0), (int) r.getDouble(3));
            }
        } finally {
            spark.stop();
        }

        // Never overwrites; a missing input is one line naming it. Both exit 2.
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, run(predict, again));
        assertTrue(again.toString(StandardCharsets.UTF_8).strip().endsWith("predict never overwrites"),
                again.toString(StandardCharsets.UTF_8));
        List<String> missing = new ArrayList<>(predict.subList(0, predict.size() - 4));
        missing.addAll(List.of("--input", dir.resolve("nowhere").toString(), "--output", dir.resolve("p2").toString()));
        ByteArrayOutputStream gone = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, run(missing, gone));
        List<String> lines = gone.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("spark-ddp: error: " + dir.resolve("nowhere") + ": cannot be read as"
                + " Parquet"), lines.get(0));
        assertTrue(!Files.exists(dir.resolve("p2")));
    }
}
