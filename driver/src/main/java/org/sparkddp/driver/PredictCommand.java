package org.sparkddp.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.data.ParquetMagic;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.ml.SparkDdpModel;

/**
 * {@code spark-ddp predict --model FILE --input PARQUET --output DIR}: batch prediction on the executors. Named
 * steps: check (the model, the output's absence, the input files' Parquet magic bytes, before Spark starts),
 * read (Parquet, as Spark splits it), predict (each executor its partitions, the model broadcast as its model.zip
 * bytes), write (Parquet under a temporary name beside DIR, one file per input partition, then renamed to DIR in
 * one step, so DIR is whole or absent).
 */
final class PredictCommand {
    private PredictCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, Optional.empty()), cli.overrides());
        // It reads Parquet through Spark SQL, whatever the config's data.format.
        SparkConf sparkConf = SparkSetup.sparkConf(loaded.config(), true);
        Configuration hadoop = HadoopConfs.from(sparkConf);
        String location = cli.model().orElseThrow();
        String input = cli.input().orElseThrow();
        String output = cli.output().orElseThrow();

        // Check: a valid model, and no output to overwrite.
        SparkDdpModel model = SparkDdpModel.fromModelZip(location, HadoopFiles.read(location, hadoop,
                InputStream::readAllBytes));
        Path target = new Path(output);
        FileSystem fs = target.getFileSystem(hadoop);
        if (fs.exists(target)) {
            throw new InvalidConfigException("--output", "'" + output + "' exists already; predict never overwrites");
        }
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        ParquetMagic.check(input, hadoop); // IDX or CSV given by mistake: one line now, not a failed Spark job

        SparkSession spark = SparkSession.builder().config(sparkConf).getOrCreate();
        try {
            Dataset<Row> rows = read(spark, input);
            int partitions = rows.rdd().getNumPartitions();
            spark.sparkContext().setJobDescription("predict " + location + " on " + input);
            // Predict and write: no repartition, so the output is partitioned like the input.
            try {
                model.transform(rows).write().parquet(temporary.toString());
            } catch (Exception e) { // SparkException, undeclared
                // Spark reads only one file's footer to find the schema: the others are read here, on the executors.
                throw notParquet(e).<RuntimeException>map(m -> new InvalidDataException(input, "cannot be read as"
                        + " Parquet: " + m)).orElseThrow(() -> e instanceof RuntimeException r ? r
                        : new IllegalStateException(e));
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
            long written = spark.read().parquet(output).count();
            out.println(String.format(Locale.ROOT, "predicted %,d rows of %s with %s (%s) in %d partition%s: %s",
                    written, input, location, model.getOrDefault(model.task()), partitions,
                    partitions == 1 ? "" : "s", output));
        } finally {
            fs.delete(temporary, true); // only what a failed write left
            spark.stop();
        }
    }

    /**
     * The schema, from a Parquet footer, read on the driver. Spark throws AnalysisException (undeclared) for a path
     * that is not there, and a SparkException from a job for a file that is not Parquet (IDX images, CSV).
     */
    private static Dataset<Row> read(SparkSession spark, String input) {
        try {
            return spark.read().parquet(input);
        } catch (Exception e) {
            if (e instanceof AnalysisException) {
                throw new InvalidDataException(input, "cannot be read as Parquet: "
                        + e.getMessage().lines().findFirst().orElse(""));
            }
            throw notParquet(e).<RuntimeException>map(m -> new InvalidDataException(input, "cannot be read as"
                    + " Parquet: " + m)).orElseThrow(() -> e instanceof RuntimeException r ? r
                    : new IllegalStateException(e));
        }
    }

    /**
     * Parquet's own complaint (no magic number, a bad footer, undecodable pages), if that is what failed: the
     * innermost such cause's first line. (Spark's job failure carries the task's stack trace in its message, so
     * only message lines that are not stack frames count.)
     */
    static Optional<String> notParquet(Throwable failure) {
        String found = null;
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            boolean parquet = t.getClass().getName().startsWith("org.apache.parquet.");
            for (String line : message.lines().toList()) {
                if (line.isBlank() || line.startsWith("\t") || line.startsWith(" ")) {
                    continue;
                }
                if (line.contains("is not a Parquet file")) {
                    found = line;
                    break;
                }
                if (parquet) {
                    found = line;
                    break;
                }
            }
        }
        return Optional.ofNullable(found).map(l -> l.replaceFirst("^Caused by: ", "")
                .replaceFirst("^[\\w.$]+(Exception|Error): ", ""));
    }
}
