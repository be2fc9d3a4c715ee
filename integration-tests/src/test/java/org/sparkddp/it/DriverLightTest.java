package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.driver.output.Json;

/**
 * The driver stays light whatever the data's size: on the standalone cluster (executors in JVMs of their own), a
 * driver held to {@code --driver-memory 512m} and {@code spark.driver.maxResultSize=4m} trains on generated CSV
 * and Parquet data larger than the result limit, and the task results it receives ({@code driver_result_bytes},
 * from a SparkListener) do not grow with the rows: four times the rows, the same bytes within the few per block.
 *
 * <p>NOTE: the data here is kept to about ten megabytes (three times the result limit, which is set low for that)
 * so that the suite stays short; the same holds at a gigabyte of CSV under the same 512 MB driver (measured,
 * docs/BENCHMARKS.md#the-data-path).
 */
@Tag("slow")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class DriverLightTest extends StandaloneClusterTest {
    private static final int FEATURES = 48;
    private static final int SMALL = 8_000;
    private static final int LARGE = 4 * SMALL;
    /** spark.driver.maxResultSize, which the large data set is more than twice the size of. */
    private static final int RESULT_LIMIT_MB = 4;

    /** Rows whose class is the sign pattern of two features, so that training has something to learn. */
    private static List<String> rows(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>(count);
        StringBuilder line = new StringBuilder();
        for (int r = 0; r < count; r++) {
            line.setLength(0);
            double a = 0;
            double b = 0;
            for (int f = 0; f < FEATURES; f++) {
                double v = Math.round(random.nextGaussian() * 10_000) / 10_000.0;
                a = f == 0 ? v : a;
                b = f == 1 ? v : b;
                line.append(v).append(',');
            }
            line.append((a > 0 ? 1 : 0) + (b > 0 ? 2 : 0));
            lines.add(line.toString());
        }
        return lines;
    }

    private Path csv(String name, int count, long seed) throws IOException {
        Path file = dir.resolve(name + ".csv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (String line : rows(count, seed)) {
                w.write(line);
                w.write('\n');
            }
        }
        return file;
    }

    /** The same rows as Parquet, a {@code features} array column and a {@code label}, written by a local Spark. */
    private static void parquet(SparkSession spark, Path csv, Path out) {
        Dataset<Row> rows = spark.read().option("inferSchema", "true").csv(csv.toString());
        String[] columns = rows.columns();
        org.apache.spark.sql.Column[] features = new org.apache.spark.sql.Column[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            features[f] = rows.col(columns[f]).cast("double");
        }
        rows.select(org.apache.spark.sql.functions.array(features).as("features"),
                rows.col(columns[FEATURES]).cast("int").as("label")).coalesce(2).write().parquet(out.toString());
    }

    /** Trains on the cluster under the light driver; returns its summary.json. */
    private JsonNode train(String format, Path train, Path test, String name) throws Exception {
        Path output = dir.resolve("run-" + name);
        List<String> settings = List.of("data.format=" + format, "data.train=" + train, "data.test=" + test,
                "output.dir=" + output, "spark.ui.enabled=false", "training.epochs=1", "training.max-iterations=40", "optimizer.learning-rate=0.01",
                "model.layers=[{type=dense,units=32}]");
        // The jar from the disk, but both compilers: C1 saved the executors nothing here, their CSV parsing costing
        // what its compilations saved (the four runs' executors: 91 CPU-s with it and without; 2026-12-08).
        ChildRun run = ChildRun.start(cluster.localJarCommand(List.of("--driver-memory", "512m", "--conf",
                "spark.driver.maxResultSize=" + RESULT_LIMIT_MB + "m"), TestData.commandLine("train", settings)), dir, name);
        assertTrue(run.process().waitFor(5, TimeUnit.MINUTES), "the run did not end within 5 minutes");
        String console = run.output();
        assertEquals(0, run.process().exitValue(), console);
        JsonNode summary = Json.parse(Files.readString(output.resolve("summary.json")));
        assertTrue(summary.get("driver_max_heap_bytes").asLong() <= 512L << 20, summary.toString());
        return summary;
    }

    @Test
    void csvAndParquetTrainWithoutRowsReachingTheDriver() throws Exception {
        Path smallCsv = csv("small", SMALL, 1);
        Path largeCsv = csv("large", LARGE, 2);
        Path testCsv = csv("test", 2_000, 3);
        assertTrue(Files.size(largeCsv) > 2 * ((long) RESULT_LIMIT_MB << 20), "the large CSV is " + Files.size(largeCsv)
                + " bytes");
        Path smallParquet = dir.resolve("small.parquet");
        Path largeParquet = dir.resolve("large.parquet");
        Path testParquet = dir.resolve("test.parquet");
        try (SparkSession spark = SparkSession.builder().master("local[1]").appName("driver-light data")
                .config("spark.ui.enabled", "false").getOrCreate()) {
            parquet(spark, smallCsv, smallParquet);
            parquet(spark, largeCsv, largeParquet);
            parquet(spark, testCsv, testParquet);
        }
        for (String format : List.of("csv", "parquet")) {
            boolean csv = format.equals("csv");
            JsonNode small = train(format, csv ? smallCsv : smallParquet, csv ? testCsv : testParquet,
                    format + "-small");
            JsonNode large = train(format, csv ? largeCsv : largeParquet, csv ? testCsv : testParquet,
                    format + "-large");
            assertEquals(SMALL, small.get("train_examples").asLong());
            assertEquals(LARGE, large.get("train_examples").asLong());
            long smallBytes = small.get("driver_result_bytes").asLong();
            long largeBytes = large.get("driver_result_bytes").asLong();
            assertTrue(smallBytes > 0, small.toString());
            // Four times the rows (and more blocks, each returning a few counts): not four times the bytes.
            assertTrue(largeBytes < 1.5 * smallBytes, format + ": the driver received " + smallBytes
                    + " bytes for " + SMALL + " rows but " + largeBytes + " for " + LARGE);
            assertTrue(large.get("test_accuracy").asDouble() > 0.5, large.toString());
        }
    }
}
