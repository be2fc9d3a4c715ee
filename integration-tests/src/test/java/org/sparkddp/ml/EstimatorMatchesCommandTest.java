package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;

/**
 * The Spark ML estimator and the command line train the same model from the same config and the same rows,
 * augmentation included: {@code fit} on a Parquet DataFrame gives bit for bit the parameters that {@code spark-ddp
 * train} gives on the same Parquet file. (The estimator once passed no augmentation to the master, so a
 * {@code data.augment} in its config was silently ignored.) Each run owns its SparkContext, as in production.
 */
@Tag("slow")
class EstimatorMatchesCommandTest {
    private static final int ROWS = 192;
    private static final StructType SCHEMA = new StructType().add("pixels", DataTypes.createArrayType(
            DataTypes.FloatType)).add("label", DataTypes.IntegerType);
    /** The part of the config both share: a small CNN, both augmentations, 2 workers, 2 epochs. */
    private static final String SHARED = String.join("\n",
            "model {",
            "  layers = [{ type = conv, filters = 4, kernel = 3 }, { type = max-pool, kernel = 2 },",
            "            { type = flatten }, { type = dense, units = 16 }]",
            "  activation = relu",
            "  output { activation = softmax, loss = cross-entropy }",
            "}",
            "data.augment { horizontal-flip = true, max-shift = 2 }",
            "training { workers = 2, epochs = 2, batch-size = 32, seed = 11 }",
            "optimizer { name = adam, learning-rate = 0.01 }");

    private static SparkSession session() {
        return SparkSession.builder().config(SparkDdpClassifier.configure(new SparkConf().setMaster("local[2]")
                .setAppName("estimator-matches-command").set("spark.ui.enabled", "false"))).getOrCreate();
    }

    /** ROWS seeded random 28 x 28 images (asymmetric, so that a flip changes them) with labels 0-9, as one file. */
    private static void writeImages(Path parquet) {
        Random random = new Random(3);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            List<Float> pixels = new ArrayList<>();
            for (int p = 0; p < 784; p++) {
                pixels.add(p % 28 < 14 ? random.nextFloat() : 0.5f * random.nextFloat());
            }
            rows.add(RowFactory.create(scala.collection.JavaConverters.asScalaBuffer(pixels).toSeq(), r % 10));
        }
        SparkSession spark = session();
        try {
            spark.createDataFrame(rows, SCHEMA).repartition(1).write().parquet(parquet.toString());
        } finally {
            spark.stop();
        }
    }

    private static float[] commandLine(Path dir, Path parquet, String more) throws IOException {
        Path conf = Files.createDirectories(dir).resolve("job.conf");
        Files.writeString(conf, SHARED + "\n" + more + "\ndata { format = parquet, train = \"" + parquet + "\", test = \""
                + parquet + "\", columns { features = pixels, label = label, shape = [1, 28, 28] } }\n"
                + "output.dir = \"" + dir.resolve("out") + "\"\nspark { master = \"local[2]\", ui.enabled = false }\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"train", "--config", conf.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return MultiLayerNetwork.load(dir.resolve("out/model.zip").toFile(), false).params().toFloatVector();
    }

    private static float[] estimator(Path parquet, String more) {
        SparkSession spark = session();
        try {
            SparkDdpModel model = new SparkDdpClassifier().setConfig(SHARED + "\n" + more).setFeaturesCol("pixels")
                    .setInputShape(new int[] {1, 28, 28}).fit(spark.read().parquet(parquet.toString()));
            return ((MultiLayerNetwork) model.network()).params().toFloatVector();
        } finally {
            spark.stop();
        }
    }

    @Test
    void fitAndTrainGiveTheSameParametersFromTheSameConfigAugmentationIncluded(@TempDir Path dir) throws IOException {
        Path parquet = dir.resolve("images.parquet");
        writeImages(parquet);
        float[] trained = commandLine(dir.resolve("augmented"), parquet, "");
        float[] fitted = estimator(parquet, "");
        assertArrayEquals(trained, fitted, 0f, "fit and train differ on the same config and rows");
        // The augmentation took part: without it, the same config trains other parameters.
        float[] plain = estimator(parquet, "data.augment { horizontal-flip = false, max-shift = 0 }");
        assertFalse(Arrays.equals(fitted, plain), "the augmentation changed nothing: was it applied?");
    }
}
