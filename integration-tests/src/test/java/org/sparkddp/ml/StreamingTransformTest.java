package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * {@code SparkDdpModel.transform} on a Structured Streaming DataFrame: Parquet files moved into a watched directory
 * (two, then a third for the query started again from its checkpoint) are scored in micro-batches (one file each,
 * {@code maxFilesPerTrigger = 1}) and written to a Parquet file sink; every row's prediction is the DL4J network's
 * own output for the same model.zip. Each query
 * runs with {@code Trigger.AvailableNow}, so it ends by itself once the files there are scored, and every wait is
 * bounded. One local[2] session: one executor (this JVM) with 2 slots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingTransformTest {
    private static final int FEATURES = 12;
    private static final int CLASSES = 3;
    /** Rows per dropped file: more than one scoring batch of 512, so that a micro-batch scores several. */
    private static final int ROWS = 700;
    private static final long WAIT_MS = TimeUnit.MINUTES.toMillis(2);
    private static final StructType SCHEMA = new StructType().add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));

    Path dir;
    SparkSession spark;
    SparkDdpModel model;
    /** The reference: the same model.zip, restored by DL4J itself. */
    MultiLayerNetwork reference;

    @BeforeAll
    void start(@TempDir Path tmp) throws IOException {
        dir = tmp;
        spark = SparkSession.builder().config(SparkDdpClassifier.configure(new SparkConf().setMaster("local[2]")
                .setAppName("streaming-transform").set("spark.ui.enabled", "false"))).getOrCreate();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        Path modelZip = dir.resolve("model.zip");
        ModelSerializer.writeModel(net, modelZip.toFile(), false);
        model = SparkDdpModel.fromModelZip(modelZip.toString(), Files.readAllBytes(modelZip));
        reference = ModelSerializer.restoreMultiLayerNetwork(modelZip.toFile(), false);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void microBatchesOfDroppedFilesAreScoredAsDl4jScoresThem() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Path out = dir.resolve("predictions");
        Path checkpoint = dir.resolve("checkpoint");
        Map<Long, float[]> features = new HashMap<>();
        for (int file = 0; file < 2; file++) {
            drop(in, file, rows(file * ROWS, ROWS, FEATURES, features), SCHEMA);
        }
        long before = ExecutorNetworks.builds();

        // Two files there: two micro-batches.
        List<StreamingQueryProgress> progress = new ArrayList<>(runToEnd(in, SCHEMA, out, checkpoint));
        // One more file, the same query resumed from its checkpoint: only the new file is scored.
        drop(in, 2, rows(2 * ROWS, ROWS, FEATURES, features), SCHEMA);
        progress.addAll(runToEnd(in, SCHEMA, out, checkpoint));

        List<StreamingQueryProgress> batches = progress.stream().filter(p -> p.numInputRows() > 0).toList();
        assertEquals(List.of((long) ROWS, (long) ROWS, (long) ROWS),
                batches.stream().map(StreamingQueryProgress::numInputRows).toList(), "rows per micro-batch");
        long built = ExecutorNetworks.builds() - before;
        // The micro-batches borrow the executor's networks as batch transforms do: at most one per task slot (2),
        // never one per micro-batch (3). None at all where an earlier test of this class built them for this model.
        assertTrue(built <= 2, built + " networks built for " + batches.size() + " micro-batches");
        assertScoredAsDl4j(out, features);
        double rowsPerSecond = batches.stream().mapToDouble(StreamingQueryProgress::processedRowsPerSecond)
                .average().orElseThrow();
        System.out.printf("streaming transform: %d micro-batches of %d rows, %.0f rows/s on average, %d networks"
                + " built%n", batches.size(), ROWS, rowsPerSecond, built);
    }

    /** A Spark ML user's {@code Vector} column, saved to Parquet by Spark, streams as the arrays do. */
    @Test
    void aVectorColumnStreamsToo() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("features", new VectorUDT());
        Path in = Files.createDirectories(dir.resolve("vectors"));
        Path out = dir.resolve("vector-predictions");
        Map<Long, float[]> features = new HashMap<>();
        drop(in, 0, asVectors(rows(0, 300, FEATURES, features)), schema);

        List<StreamingQueryProgress> progress = runToEnd(in, schema, out, dir.resolve("vector-checkpoint"));
        assertEquals(List.of(300L), progress.stream().map(StreamingQueryProgress::numInputRows)
                .filter(n -> n > 0).toList());
        assertScoredAsDl4j(out, features);
    }

    /**
     * Rows of another width than the network takes stop the query with the batch path's one-line error, naming the
     * column and both widths, as its cause, again when the query is started again; the sink commits nothing.
     */
    @Test
    void aStreamOfTheWrongWidthFailsWithTheBatchPathsOneLineError() throws Exception {
        Path in = Files.createDirectories(dir.resolve("narrow"));
        Path out = dir.resolve("never");
        drop(in, 0, rows(0, 4, FEATURES - 4, new HashMap<>()), SCHEMA);

        String line = "column 'features': has rows of " + (FEATURES - 4) + " features, but the model takes "
                + FEATURES;
        Exception batch = assertThrows(Exception.class,
                () -> model.transform(spark.read().parquet(in.toString())).collectAsList());
        assertEquals(line, invalidData(batch).getMessage());
        // Started again from its checkpoint, the query retries the failed micro-batch on the same file.
        for (int run = 0; run < 2; run++) {
            StreamingQuery query = model.transform(spark.readStream().schema(SCHEMA).parquet(in.toString()))
                    .writeStream().format("parquet").option("checkpointLocation",
                            dir.resolve("narrow-checkpoint").toString())
                    .trigger(Trigger.AvailableNow()).start(out.toString());
            try {
                StreamingQueryException stream = assertThrows(StreamingQueryException.class,
                        () -> query.awaitTermination(WAIT_MS), "run " + run);
                assertEquals(line, invalidData(stream).getMessage(), "run " + run);
            } finally {
                query.stop();
            }
        }
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".parquet")).toList(),
                    "predictions written for a failed micro-batch");
        }
    }

    /**
     * A stream whose schema cannot be scored fails in {@code transform} itself, on the driver, before any query
     * starts: one line naming the param and the column, as for a batch DataFrame.
     */
    @Test
    void aStreamWithoutAFeatureColumnIsRefusedInOneLineBeforeItStarts() throws IOException {
        Path in = Files.createDirectories(dir.resolve("text"));
        Dataset<Row> text = spark.readStream().schema(new StructType().add("id", DataTypes.LongType)
                .add("features", DataTypes.StringType)).parquet(in.toString());
        InvalidConfigException type = assertThrows(InvalidConfigException.class, () -> model.transform(text));
        assertEquals("featuresCol: column 'features' is string; expected a Vector or an array<float> or"
                + " array<double>", type.getMessage());
        InvalidConfigException missing = assertThrows(InvalidConfigException.class,
                () -> model.transform(text.select("id")));
        assertEquals("featuresCol: names column 'features', which the DataFrame lacks (it has id)",
                missing.getMessage());
    }

    /**
     * The rows the file sink {@code out} committed: one per row dropped, each with the DL4J network's own output
     * for its features (the reference, restored from the same model.zip), and its most likely class.
     */
    private void assertScoredAsDl4j(Path out, Map<Long, float[]> features) {
        List<Row> scored = spark.read().parquet(out.toString()).select("id", "rawPrediction", "probability",
                "prediction").collectAsList();
        assertEquals(features.size(), scored.size(), "one prediction per row dropped");
        long[] ids = scored.stream().mapToLong(r -> r.getLong(0)).sorted().toArray();
        assertArrayEquals(features.keySet().stream().mapToLong(Long::longValue).sorted().toArray(), ids,
                "every row once");
        for (Row r : scored) {
            INDArray expected = reference.output(Nd4j.create(features.get(r.getLong(0)), new long[] {1, FEATURES},
                    'c').castTo(DataType.FLOAT), false);
            double[] probabilities = ((Vector) r.get(2)).toArray();
            assertArrayEquals(expected.toDoubleVector(), probabilities, 1e-6, "row " + r.getLong(0));
            assertArrayEquals(probabilities, ((Vector) r.get(1)).toArray(), 0.0);
            assertEquals(expected.argMax(1).getInt(0), (int) r.getDouble(3), "row " + r.getLong(0));
        }
    }

    /** The query from {@code in} to the Parquet sink {@code out}, run until it has scored every file there. */
    private List<StreamingQueryProgress> runToEnd(Path in, StructType schema, Path out, Path checkpoint)
            throws Exception {
        Dataset<Row> rows = spark.readStream().schema(schema).option("maxFilesPerTrigger", 1).parquet(in.toString());
        StreamingQuery query = model.transform(rows).select("id", "rawPrediction", "probability", "prediction")
                .writeStream().format("parquet").option("checkpointLocation", checkpoint.toString())
                .trigger(Trigger.AvailableNow()).start(out.toString());
        try {
            assertTrue(query.awaitTermination(WAIT_MS), "the query still runs after " + WAIT_MS + " ms");
        } finally {
            query.stop();
        }
        return Arrays.asList(query.recentProgress());
    }

    /** {@code count} rows of {@code width} seeded features, numbered from {@code first}, also kept in {@code kept}. */
    private static List<Row> rows(long first, int count, int width, Map<Long, float[]> kept) {
        Random random = new Random(first + 17);
        List<Row> rows = new ArrayList<>();
        for (long id = first; id < first + count; id++) {
            float[] values = new float[width];
            List<Float> boxed = new ArrayList<>();
            for (int f = 0; f < width; f++) {
                values[f] = (float) random.nextGaussian();
                boxed.add(values[f]);
            }
            kept.put(id, values);
            rows.add(RowFactory.create(id, boxed));
        }
        return rows;
    }

    /** The same rows with the features as an ML {@code Vector}, as a Spark ML user's DataFrame has them. */
    private static List<Row> asVectors(List<Row> rows) {
        return rows.stream().map(r -> RowFactory.create(r.get(0), Vectors.dense(((List<?>) r.get(1)).stream()
                .mapToDouble(v -> (Float) v).toArray()))).toList();
    }

    /**
     * Writes {@code rows} as one Parquet file beside {@code in} and moves it in whole, as a producer must for
     * Spark's file source (a file is listed once, so it must not be seen half-written).
     */
    private void drop(Path in, int index, List<Row> rows, StructType schema) throws IOException {
        Path staging = dir.resolve("staging-" + in.getFileName() + "-" + index);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(staging.toString());
        try (Stream<Path> files = Files.list(staging)) {
            Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, in.resolve("rows-" + index + ".parquet"), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static InvalidDataException invalidData(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidDataException found) {
                return found;
            }
        }
        throw new AssertionError("no InvalidDataException in " + failure, failure);
    }
}
