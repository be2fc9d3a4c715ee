package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.Normalization;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.TrainingJob;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * Parquet decoded by the executors, each row keyed by its file and {@code _metadata.row_index}: the same rows as
 * one file, seven files, or one file of many row groups read in many splits
 * ({@code spark.sql.files.maxPartitionBytes}) train to bitwise-equal parameters; the shards equal what the test
 * builds from the rows it wrote ({@link TabularReference}); a label at or above {@code data.classes} names its part
 * file and row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParquetDecodeTest {
    private static final int ROWS = 500;
    private static final StructType SCHEMA = new StructType().add("x", DataTypes.DoubleType)
            .add("y", DataTypes.FloatType).add("z", DataTypes.DoubleType).add("label", DataTypes.IntegerType);

    private Path dir;
    private JavaSparkContext sc;
    private SparkSession spark;
    private List<Row> rows;

    @BeforeAll
    void start(@TempDir Path tempDir) {
        dir = tempDir;
        sc = SharedSpark.start(config("one"));
        spark = SparkSetup.session(sc);
        Random random = new Random(5);
        rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            int label = random.nextInt(4);
            rows.add(RowFactory.create(label + random.nextGaussian(), (float) (label * 2 - random.nextGaussian()),
                    random.nextDouble(), label));
        }
        frame(rows, 1).write().parquet(dir.resolve("one").toString());
        frame(rows, 7).write().parquet(dir.resolve("seven").toString());
        // Row groups of about 1 KB, so that a small maxPartitionBytes reads the one file in many splits.
        frame(rows, 1).write().option("parquet.block.size", 1024).option("parquet.page.size", 512)
                .parquet(dir.resolve("groups").toString());
        List<Row> bad = new ArrayList<>(rows);
        Row r = bad.get(4);
        bad.set(4, RowFactory.create(r.get(0), r.get(1), r.get(2), 12));
        frame(bad, 1).write().parquet(dir.resolve("bad").toString());
    }

    private Dataset<Row> frame(List<Row> data, int partitions) {
        return spark.createDataFrame(sc.parallelize(data, partitions), SCHEMA);
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    private ConfigLoader.Loaded config(String train, String... more) {
        List<String> settings = new ArrayList<>(List.of("data.format=parquet", "data.columns.features=[x, y, z]",
                "data.columns.label=label", "data.train=" + dir.resolve(train), "data.test=" + dir.resolve("one"),
                "data.normalize=scale", "output.dir=" + dir.resolve("out-" + train + "-" + more.length),
                "spark.master=local[2]", "spark.ui.enabled=false", "training.workers=2", "training.mode=sync",
                "training.batch-size=32", "training.epochs=1", "training.max-iterations=6",
                "model.layers=[{type=dense, units=8}]", "data.virtual-shards=16"));
        settings.addAll(List.of(more));
        return ConfigLoader.load(null, settings);
    }

    private float[] train(ConfigLoader.Loaded loaded) throws IOException {
        TrainingJob job = new TrainingJob(loaded, new Configuration(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
        return job.run(sc, job.prepare(Optional.of(spark))).model().params();
    }

    private JobData open(ConfigLoader.Loaded loaded) {
        return JobData.open(loaded.config().data(), loaded.config().validation(), loaded.config().training().seed(),
                TargetKind.CLASS_INDEX, new Configuration(), Optional.of(spark));
    }

    @Test
    void oneFileSevenFilesAndManySplitsTrainToTheSameParameters() throws IOException {
        float[] one = train(config("one"));
        float[] seven = train(config("seven"));
        spark.conf().set("spark.sql.files.maxPartitionBytes", "1024");
        spark.conf().set("spark.sql.files.openCostInBytes", "0");
        float[] splits;
        int blocks;
        try {
            splits = train(config("groups"));
            blocks = spark.read().parquet(dir.resolve("groups").toString()).rdd().getNumPartitions();
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionBytes");
            spark.conf().unset("spark.sql.files.openCostInBytes");
        }
        assertTrue(blocks > 3, "the file was read in " + blocks + " splits");
        assertArrayEquals(one, seven, 0f);
        assertArrayEquals(one, splits, 0f);
    }

    @Test
    void shardsEqualTheReference() {
        // The rows as written, each column read as a float, in the order of the one-file layout.
        List<float[]> features = new ArrayList<>();
        List<float[]> labels = new ArrayList<>();
        for (Row r : rows) {
            features.add(new float[] {(float) r.getDouble(0), r.getFloat(1), (float) r.getDouble(2)});
            labels.add(new float[] {r.getInt(3)});
        }
        TabularReference.Table written = TabularReference.Table.of(features, labels);
        Datasets reference = TabularReference.of(written, written, Optional.empty(), TargetKind.CLASS_INDEX, 0,
                Normalization.STANDARDIZE, 0.25, 42);
        for (String layout : List.of("one", "seven")) {
            ConfigLoader.Loaded loaded = config(layout, "validation.fraction=0.25", "data.normalize=standardize");
            JobData executors = open(loaded);
            assertEquals(reference.train().size(), executors.train().size());
            VirtualShards virtual = VirtualShards.of(reference.train().size(), 16);
            try (ShardedData want = ShardedData.forTraining(sc, reference.train(), virtual, 2, "reference");
                 ShardedData got = executors.train().shards(sc, virtual, 2, "executors");
                 ShardedData wantHeld = ShardedData.forEvaluation(sc, reference.validation().orElseThrow(), 2, "r");
                 ShardedData gotHeld = executors.validation().orElseThrow().slices(sc, 2, "e")) {
                if (layout.equals("one")) { // one block: the statistics come out as the reference's
                    ExecutorDecodeTest.assertSameShards(want, got);
                    ExecutorDecodeTest.assertSameShards(wantHeld, gotHeld);
                } else {
                    assertArrayEquals(want.shardSizes(), got.shardSizes());
                }
            }
        }
    }

    @Test
    void aLabelAtOrAboveDataClassesNamesThePartFileAndRow() {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> open(config("bad", "data.classes=4")));
        assertTrue(e.getMessage().matches(".*/bad/part-00000-[^/]*\\.parquet:5: class label 12 is outside"
                + " data.classes = 4 \\(labels 0\\.\\.3\\)"), e.getMessage());
        JobData skipped = open(config("bad", "data.classes=4", "data.on-bad-row=skip"));
        assertEquals(1, skipped.trainRowsSkipped());
        assertEquals(ROWS - 1, skipped.train().size());
        assertEquals(4, skipped.train().targetWidth());
        // Without data.classes the label 12 makes 13 classes, as before.
        assertEquals(13, open(config("bad")).train().targetWidth());
    }
}
