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
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;

/**
 * spark-ddp predict: Parquet, IDX and CSV in, Parquet out, one row per input row, DL4J's own outputs. One model,
 * trained once for the class on the committed subset.
 */
@Tag("slow")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PredictTest {
    @TempDir
    static Path dir;
    private List<String> settings;
    private LabeledExamples test;
    /** The model's output for each of the 500 test images, from DL4J itself. */
    private INDArray expected;

    private static int run(List<String> argv, ByteArrayOutputStream err) {
        return Main.run(argv.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @BeforeAll
    void train() throws Exception {
        settings = List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + dir.resolve("run"), "spark.master=local[2]", "spark.ui.enabled=false",
                "training.epochs=2");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(TestData.commandLine("train", settings), err), err.toString(StandardCharsets.UTF_8));
        test = Datasets.load(ConfigLoader.load(null, settings).config().data(), TargetKind.CLASS_INDEX,
                new Configuration()).test();
        MultiLayerNetwork network = MultiLayerNetwork.load(dir.resolve("run/model.zip").toFile(), false);
        expected = network.output(Minibatches.assemble(test, IntStream.range(0, test.size()).toArray())
                .getFeatures());
    }

    /** {@code predict --model M --input IN --output OUT}, with {@code extra} settings after the class's. */
    private List<String> predict(Path input, Path output, String... extra) {
        List<String> all = new ArrayList<>(settings);
        all.addAll(List.of(extra));
        List<String> args = new ArrayList<>(TestData.commandLine("predict", all));
        args.addAll(List.of("--model", dir.resolve("run/model.zip").toString(), "--input", input.toString(),
                "--output", output.toString()));
        return args;
    }

    @Test
    void predictsEveryRowInTheInputsPartitionsWithTheModelsOwnOutputs() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // The 500 test images as Parquet in 3 partitions: an id, the pixels as array<float>, the label.
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
        assertTrue(again.toString(StandardCharsets.UTF_8).strip().endsWith("exists already; pass --overwrite to"
                + " replace it once the new predictions are complete, or choose another --output"),
                again.toString(StandardCharsets.UTF_8));
        // ...unless told to: the new predictions replace the old ones once complete, and nothing is left beside them.
        List<String> overwrite = new ArrayList<>(predict);
        overwrite.add("--overwrite");
        assertEquals(0, run(overwrite, err), err.toString(StandardCharsets.UTF_8));
        try (Stream<Path> beside = Files.list(dir)) {
            assertEquals(List.of(), beside.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".predicted"))
                    .toList());
        }
        SparkSession check = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            assertEquals(500, check.read().parquet(dir.resolve("predicted").toString()).count());
        } finally {
            check.stop();
        }
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
    /** The output's rows: file, position, then the columns named. */
    private static List<Row> read(Path output, String... columns) {
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .getOrCreate();
        try {
            return spark.read().parquet(output.toString()).select("file", Stream.concat(Stream.of("position"),
                    Stream.of(columns)).toArray(String[]::new)).collectAsList();
        } finally {
            spark.stop();
        }
    }

    /** Each row's probabilities are DL4J's for the test image {@code image.applyAsInt(row)}, and so is its class. */
    private void assertModelsOutputs(List<Row> out, java.util.function.ToIntFunction<Row> image, int probability) {
        assertEquals(test.size(), out.size(), "one output row per input row");
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Row r : out) {
            int i = image.applyAsInt(r);
            assertTrue(seen.add(i), "image " + i + " predicted twice");
            assertArrayEquals(expected.getRow(i).toDoubleVector(), ((Vector) r.get(probability)).toArray(), 1e-6);
            assertEquals(expected.getRow(i).argMax().getInt(0), (int) r.getDouble(probability + 1));
        }
    }

    @Test
    void predictsIdxImagesGzippedOrReadInSplitsWithTheirLabels() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // Gzipped: one task reads the whole file; the format comes from the name, the labels file is beside it.
        Path gz = dir.resolve("idx-gz");
        ResultBytesProbe.BYTES.reset();
        assertEquals(0, run(predict(TestData.TEST, gz, "spark.extraListeners=" + ResultBytesProbe.class.getName()),
                err), err.toString(StandardCharsets.UTF_8));
        // The images never reach the driver: it receives the write's commit messages and a count (8.7 kB
        // measured), against 392,000 bytes of pixels (3.1 MB as the rows' vectors).
        assertTrue(ResultBytesProbe.BYTES.sum() < 40_000, "the driver received " + ResultBytesProbe.BYTES.sum()
                + " bytes of task results");
        List<Row> out = read(gz, "label", "probability", "prediction");
        assertModelsOutputs(out, r -> (int) r.getLong(1), 3);
        for (Row r : out) {
            assertEquals(TestData.TEST.toString(), r.getString(0));
            assertEquals(test.classLabels().labels()[(int) r.getLong(1)], (int) r.getDouble(2), "label");
        }

        // Uncompressed, in splits of 100 images of 784 bytes: 5 tasks, each reading its range of the file.
        Path raw = dir.resolve("raw");
        Files.createDirectories(raw);
        for (String name : List.of("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")) {
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(TestData.DIR.resolve(name + ".gz")))) {
                Files.write(raw.resolve(name), in.readAllBytes());
            }
        }
        Path split = dir.resolve("idx-split");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        assertEquals(0, Main.run(predict(raw.resolve("t10k-images-idx3-ubyte"), split, "data.split-size=78400B")
                .toArray(String[]::new), new PrintStream(console, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString(StandardCharsets.UTF_8));
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("(idx) with " + dir.resolve("run/model.zip")
                + " (classification) in 5 partitions"), console.toString(StandardCharsets.UTF_8));
        out = read(split, "label", "probability", "prediction");
        assertModelsOutputs(out, r -> (int) r.getLong(1), 3);
        for (Row r : out) {
            assertEquals(test.classLabels().labels()[(int) r.getLong(1)], (int) r.getDouble(2), "label");
        }
    }

    @Test
    void predictsCsvFilesWithTheLabelColumnDropped() throws Exception {
        // The test images as CSV, the label last (data.csv's default), in two files, the second gzipped: a
        // directory whose format --set data.format says. Each row is found again by its file and byte offset.
        Path csv = dir.resolve("csv-in");
        Files.createDirectories(csv);
        java.util.Map<String, Integer> imageAt = new java.util.HashMap<>();
        float[] pixels = new float[test.numFeatures()];
        for (int part = 0; part < 2; part++) {
            String name = part == 0 ? "part-0.csv" : "part-1.csv.gz";
            StringBuilder text = new StringBuilder();
            for (int i = part * 250; i < (part + 1) * 250; i++) {
                imageAt.put(name + "@" + text.length(), i);
                test.features().copyRow(i, pixels, 0);
                for (float p : pixels) {
                    text.append(p).append(',');
                }
                text.append(test.classLabels().labels()[i]).append('\n');
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
            if (part == 1) {
                ByteArrayOutputStream zipped = new ByteArrayOutputStream();
                try (var gz = new java.util.zip.GZIPOutputStream(zipped)) {
                    gz.write(bytes);
                }
                bytes = zipped.toByteArray();
            }
            Files.write(csv.resolve(name), bytes);
        }
        Path out = dir.resolve("csv-out");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, run(predict(csv, out, "data.format=csv"), err), err.toString(StandardCharsets.UTF_8));
        assertModelsOutputs(read(out, "probability", "prediction"), r -> imageAt.get(
                r.getString(0).substring(r.getString(0).lastIndexOf('/') + 1) + "@" + r.getLong(1)), 2);
    }

    /**
     * Parquet rows narrower than the model's input: the executors that score them name the width, one line,
     * exit 2, no output (the network's own complaint would be an internal error).
     */
    @Test
    void parquetRowsOfAnotherWidthThanTheModelsAreNamed() throws Exception {
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType));
        SparkSession spark = SparkSession.builder().master("local[2]").config("spark.ui.enabled", "false")
                .getOrCreate();
        Path narrow = dir.resolve("narrow-parquet");
        try {
            spark.createDataFrame(List.of(RowFactory.create(List.of(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f))), schema)
                    .write().parquet(narrow.toString());
        } finally {
            spark.stop();
        }
        Path out = dir.resolve("never-narrow");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, run(predict(narrow, out), err), err.toString(StandardCharsets.UTF_8));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(List.of("spark-ddp: error: column 'features': has rows of 8 features, but the model takes 784"),
                lines);
        assertTrue(!Files.exists(out), out + " was left behind");
    }

    @Test
    void badInputIsOneLineNamingTheFileAndLeavesNoOutput() throws Exception {
        Path corrupt = dir.resolve("bad-images-idx3-ubyte");
        Files.write(corrupt, new byte[] {0, 0, 9, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28});
        Path narrow = TestData.configFile(dir, "narrow.csv", "0.1,0.2,0.3,1", "0.4,0.5,0.6,0");
        java.util.Map<Path, String> expectedStart = new java.util.LinkedHashMap<>();
        expectedStart.put(corrupt, corrupt + ": wrong magic number 0x00000903");
        expectedStart.put(narrow, narrow + ": has 4 fields per row (split on comma), which is 3 features after the 1"
                + " label column of data.csv.label-columns, but the model in " + dir.resolve("run/model.zip")
                + " takes 784");
        expectedStart.put(dir.resolve("nowhere.csv"), dir.resolve("nowhere.csv") + ": no such file or directory");
        for (var c : expectedStart.entrySet()) {
            Path out = dir.resolve("never-" + c.getKey().getFileName());
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(Main.INVALID_INPUT, run(predict(c.getKey(), out), err));
            List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
            assertEquals(1, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("spark-ddp: error: " + c.getValue()), lines.get(0));
            assertTrue(!Files.exists(out), out + " was left behind");
        }
    }
}
