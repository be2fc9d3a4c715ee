package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.train.TrainingResult;

/**
 * {@code data.format = parquet | dataframe-table}: the moons CSV written as Parquet (split over several files, or
 * one, with the features as columns or as one Vector) trains to exactly the model the CSV trains to, and bad
 * DataFrame input fails in one line naming the key or file. Each command-line run owns its SparkContext, as in
 * production, so this class shares none.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataFrameInputTest {
    private static final Path TRAIN_CSV = TestData.REPO.resolve("data/examples/moons-train.csv");
    private static final Path TEST_CSV = TestData.REPO.resolve("data/examples/moons-test.csv");
    private static final StructType SCHEMA = new StructType().add("x", DataTypes.DoubleType)
            .add("y", DataTypes.DoubleType).add("label", DataTypes.IntegerType)
            .add("features", SQLDataTypes.VectorType()).add("pixels", DataTypes.createArrayType(DataTypes.FloatType));

    private Path dir;

    /** Writes each CSV as Parquet: in 3 files and in 1, and once more with a null label in row 5. */
    @BeforeAll
    void writeParquet(@TempDir Path tempDir) throws IOException {
        dir = tempDir;
        JavaSparkContext sc = SharedSpark.start(TestData.config(dir, "data.format=parquet"));
        try {
            SparkSession spark = SparkSetup.session(sc);
            for (String name : List.of("train", "test")) {
                List<Row> rows = rows(name.equals("train") ? TRAIN_CSV : TEST_CSV);
                frame(spark, sc, rows, 3).write().parquet(dir.resolve(name + "-3files.parquet").toString());
                frame(spark, sc, rows, 1).write().parquet(dir.resolve(name + "-1file.parquet").toString());
            }
            List<Row> broken = rows(TRAIN_CSV);
            Row r = broken.get(4);
            broken.set(4, RowFactory.create(r.get(0), r.get(1), null, r.get(3), r.get(4)));
            frame(spark, sc, broken, 1).write().parquet(dir.resolve("null-label.parquet").toString());
        } finally {
            sc.stop();
        }
    }

    private static List<Row> rows(Path csv) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv).subList(1, Files.readAllLines(csv).size())) {
            String[] f = line.split(",");
            double x = Double.parseDouble(f[0]);
            double y = Double.parseDouble(f[1]);
            rows.add(RowFactory.create(x, y, Integer.parseInt(f[2]), Vectors.dense(x, y),
                    new float[] {(float) x, (float) y}));
        }
        return rows;
    }

    private static Dataset<Row> frame(SparkSession spark, JavaSparkContext sc, List<Row> rows, int partitions) {
        List<Row> converted = rows.stream().map(r -> RowFactory.create(r.get(0), r.get(1), r.get(2), r.get(3),
                scala.collection.JavaConverters.asScalaBuffer(floats((float[]) r.get(4))).toSeq())).toList();
        return spark.createDataFrame(sc.parallelize(converted, partitions), SCHEMA);
    }

    private static List<Float> floats(float[] values) {
        List<Float> out = new ArrayList<>();
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    /** The moons job: conf/moons-binary-csv.conf, 3 epochs, outputs in {@code out}. */
    private List<String> moons(String out, String... more) {
        List<String> settings = new ArrayList<>(List.of("output.dir=" + dir.resolve(out), "training.epochs=3",
                "spark.master=local[2]", "spark.ui.enabled=false"));
        settings.addAll(List.of(more));
        return settings;
    }

    private String[] argv(String command, List<String> settings, String... extra) {
        List<String> argv = new ArrayList<>(List.of(command, "--config",
                TestData.REPO.resolve("conf/moons-binary-csv.conf").toString()));
        for (String s : settings) {
            argv.add("--set");
            argv.add(s);
        }
        argv.addAll(List.of(extra));
        return argv.toArray(String[]::new);
    }

    private int run(String[] argv, ByteArrayOutputStream err) {
        return Main.run(argv, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private float[] trainedParams(List<String> settings) throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(argv("train", settings), err), err.toString(StandardCharsets.UTF_8));
        String out = settings.get(0).substring("output.dir=".length());
        return MultiLayerNetwork.load(Path.of(out, "model.zip").toFile(), false).params().toFloatVector();
    }

    private String parquet(String name) {
        return dir.resolve(name + ".parquet").toString();
    }

    @Test
    void parquetTrainsExactlyTheModelTheSameRowsAsCsvTrainWhateverItsFilesAndColumns() throws IOException {
        float[] csv = trainedParams(moons("csv", "data.train=" + TRAIN_CSV, "data.test=" + TEST_CSV));
        float[] threeFiles = trainedParams(moons("parquet-3", "data.format=parquet",
                "data.train=" + parquet("train-3files"), "data.test=" + parquet("test-3files"),
                "data.columns.features=[x, y]"));
        assertArrayEquals(csv, threeFiles, 0f);
        // One file, the features as one Vector column: the same rows in the same order, so the same model.
        float[] vector = trainedParams(moons("parquet-vector", "data.format=parquet",
                "data.train=" + parquet("train-1file"), "data.test=" + parquet("test-1file"),
                "data.columns.features=features"));
        assertArrayEquals(csv, vector, 0f);
        float[] array = trainedParams(moons("parquet-array", "data.format=parquet",
                "data.train=" + parquet("train-3files"), "data.test=" + parquet("test-3files"),
                "data.columns.features=pixels", "validation.fraction=0.2"));
        assertEquals(csv.length, array.length);

        JsonNode csvSummary = Json.parse(Files.readString(dir.resolve("csv/summary.json")));
        JsonNode summary = Json.parse(Files.readString(dir.resolve("parquet-3/summary.json")));
        assertEquals(csvSummary.get("test_mse").asDouble(), summary.get("test_mse").asDouble(), 0.0);
        assertEquals(csvSummary.get("train_examples").asInt(), summary.get("train_examples").asInt());
        assertEquals("parquet", summary.at("/data/format").asText());

        // evaluate reads the Parquet test set through Spark too, to the figures training reported.
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(argv("evaluate", moons("parquet-3", "data.format=parquet",
                        "data.train=" + parquet("train-3files"), "data.test=" + parquet("test-3files"),
                        "data.columns.features=[x, y]"), "--model", dir.resolve("parquet-3/model.zip").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        JsonNode evaluation = Json.parse(Files.readString(dir.resolve("parquet-3/evaluation.json")));
        assertEquals(summary.get("test_mse").asDouble(), evaluation.get("mse").asDouble(), 1e-6);
    }

    @Test
    void aCatalogTableIsReadByNameAndShardedEvenlyWhateverItsPartitions() throws IOException {
        List<String> settings = moons("table", "data.format=dataframe-table", "data.train=moons_train",
                "data.test=moons_test", "data.columns.features=[x, y]");
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source("moons-binary-csv.conf",
                Files.readString(TestData.REPO.resolve("conf/moons-binary-csv.conf"))), settings);
        JavaSparkContext sc = SharedSpark.start(loaded);
        try {
            SparkSession spark = SparkSetup.session(sc);
            // A skewed table: 7 partitions, nearly every row in the last one.
            List<Row> rows = rows(TRAIN_CSV);
            spark.read().parquet(parquet("train-1file")).repartition(1).union(spark.read().parquet(
                    parquet("train-1file")).limit(0).repartition(6)).createOrReplaceTempView("moons_train");
            spark.read().parquet(parquet("test-1file")).createOrReplaceTempView("moons_test");
            TrainingJob job = new TrainingJob(loaded, new Configuration(),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
            TrainingJob.Prepared prepared = job.prepare(Optional.of(spark));
            assertEquals(rows.size(), prepared.data().train().size());
            try (var shards = prepared.data().train().shards(sc,
                    org.sparkddp.common.plan.VirtualShards.of(rows.size(), 256), 2, "balance")) {
                int[] sizes = shards.shardSizes();
                assertTrue(Math.abs(sizes[0] - sizes[1]) <= 1, Arrays.toString(sizes));
                assertEquals(rows.size(), sizes[0] + sizes[1]);
            }
            TrainingResult result = job.run(sc, prepared);
            assertTrue(result.test().meanLoss() < 0.25, "moons test mse " + result.test().meanLoss());
        } finally {
            sc.stop();
        }
    }

    private String error(List<String> settings) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, run(argv("train", settings), err), err.toString(StandardCharsets.UTF_8));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        return lines.get(0);
    }

    @Test
    void badDataFrameInputIsOneLineNamingTheKeyOrFile() {
        List<String> parquet = List.of("data.format=parquet", "data.test=" + parquet("test-1file"),
                "data.columns.features=[x, y]");
        List<String> s = new ArrayList<>(moons("bad"));
        s.addAll(parquet);
        s.add("data.train=" + dir.resolve("nowhere.parquet"));
        assertEquals("spark-ddp: error: " + dir.resolve("nowhere.parquet") + ": no such file or directory", error(s));

        s.set(s.size() - 1, "data.train=" + parquet("train-1file"));
        s.add("data.columns.label=lable");
        assertEquals("spark-ddp: error: data.columns.label: names column 'lable', which "
                + parquet("train-1file") + " lacks (it has x, y, label, features, pixels)", error(s));

        s.set(s.size() - 1, "data.columns.features=[x, features, pixels, label]");
        assertEquals("spark-ddp: error: --set: data.columns.features[3]: names 'label', the label column"
                + " (data.columns.label): a label is not a feature", error(s));

        s.set(s.size() - 1, "data.columns.shape=[3, 3]");
        assertEquals("spark-ddp: error: data.columns.shape: [3, 3] holds 9 values but the feature rows have 2",
                error(s));

        s.set(s.size() - 2, "data.train=" + parquet("null-label"));
        s.set(s.size() - 1, "data.on-bad-row=fail");
        String line = error(s);
        assertTrue(line.matches("spark-ddp: error: file:(//)?" + parquet("null-label") + "/part-00000-.*\\.parquet:5: the"
                + " label is null"), line);

        // Under skip, the row is left out and counted.
        s.set(s.size() - 1, "data.on-bad-row=skip");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(argv("train", s), err), err.toString(StandardCharsets.UTF_8));
        try {
            JsonNode summary = Json.parse(Files.readString(dir.resolve("bad/summary.json")));
            assertEquals(1, summary.at("/data/train_rows_skipped").asInt());
            assertEquals(rows(TRAIN_CSV).size() - 1, summary.get("train_examples").asInt());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        s.set(s.size() - 1, "data.on-bad-row=fail");

        Path notParquet = dir.resolve("not-parquet.parquet");
        s.set(s.size() - 2, "data.train=" + notParquet);
        try {
            Files.createDirectories(notParquet);
            Files.writeString(notParquet.resolve("part-00000.parquet"), "x,y,label\n1,2,0\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        line = error(s);
        assertTrue(line.startsWith("spark-ddp: error: " + notParquet + ": cannot be read as parquet: "), line);
    }
}
