package org.sparkddp.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.config.Normalization;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.data.ParquetMagic;
import org.sparkddp.driver.output.ModelArchive;
import org.sparkddp.driver.output.PlaceTaking;
import org.sparkddp.driver.output.QualifiedPath;
import org.sparkddp.driver.predict.PredictFormat;
import org.sparkddp.driver.predict.PredictInput;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.spark.CommandSpark;
import org.sparkddp.driver.spark.ExecutorReach;
import org.sparkddp.ml.SparkDdpModel;

/**
 * {@code spark-ddp predict --model FILE --input IN --output DIR}: batch prediction on the executors. Named steps:
 * check (the model, the output's absence unless --overwrite, the input: Parquet's magic bytes, or an IDX header
 * or CSV line against the model's width; before Spark starts), read (Parquet or a table as Spark splits it; IDX, CSV and LibSVM
 * decoded by the executors, see {@link PredictInput}), predict (each executor its partitions, the model broadcast
 * as its model.zip bytes), write (Parquet under a temporary name beside DIR, one file per input partition, then
 * renamed to DIR in one step, so DIR is whole or absent; under --overwrite the earlier DIR is renamed aside first
 * and removed after, so it stays whole until the new one is). IN and DIR are fully qualified on the driver. The
 * input's format: {@link PredictFormat}.
 */
final class PredictCommand {
    private PredictCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, Optional.empty()), cli.overrides());
        DataConfig data = loaded.config().data();
        SparkConf sparkConf = SparkSetup.sparkConf(loaded.config(), true);
        Configuration hadoop = HadoopConfs.from(sparkConf);
        String location = cli.model().orElseThrow();
        String input = cli.input().orElseThrow();
        String output = cli.output().orElseThrow();
        DataFormat format = PredictFormat.of(cli.configFile().isPresent(), cli.overrides(), data.format(), input);
        // Fully qualified on the driver: the executors read the input's files (IdxRows; Hadoop's and Spark's own
        // readers qualify theirs) and write the output's.
        String inputPath = format == DataFormat.DATAFRAME_TABLE ? input : QualifiedPath.of(input, hadoop, "--input");
        boolean overwrite = loaded.config().output().overwrite();

        // Check: a valid model, no output to overwrite, an input that fits the model.
        byte[] zip = HadoopFiles.read(location, hadoop, InputStream::readAllBytes);
        SparkDdpModel model = SparkDdpModel.fromModelZip(location, zip);
        Path target = new Path(QualifiedPath.of(output, hadoop, "--output"));
        FileSystem fs = target.getFileSystem(hadoop);
        if (exists(fs, target, output) && !overwrite) {
            throw new InvalidConfigException("--output", "'" + output + "' exists already; pass --overwrite to replace"
                    + " it once the new predictions are complete, or choose another --output");
        }
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        checkNormalization(cli, format, data);
        Optional<PredictInput> files = format.readBySpark() ? Optional.empty()
                : Optional.of(PredictInput.plan(format, input, data, ModelArchive.read(location, zip), location, hadoop));
        if (format == DataFormat.PARQUET) {
            ParquetMagic.check(input, hadoop); // IDX or CSV given by mistake: one line now, not a failed Spark job
        }

        // Started at once; a context that Spark stops under the command wakes it, with one line (CommandSpark).
        try (CommandSpark started = new CommandSpark(sparkConf, true)) {
            SparkSession spark = started.dataSession().orElseThrow();
            checkReach(spark, loaded, format, inputPath, target, fs);
            LongAccumulator skipped = spark.sparkContext().longAccumulator("spark-ddp predict: bad rows skipped");
            // Spark qualifies the paths it reads itself, on the driver (and its errors name the path as given).
            Dataset<Row> rows = files.isPresent() ? files.get().rows(spark, skipped) : read(spark, format, input);
            int partitions = rows.rdd().getNumPartitions();
            spark.sparkContext().setJobDescription("spark-ddp predict · " + location + " on " + input);
            // Predict and write: no repartition, so the output is partitioned like the input.
            Dataset<Row> predicted = model.transform(rows);
            if (files.isPresent()) { // the file and position identify the row; its features are in the input
                predicted = predicted.drop(PredictInput.featuresColumn());
            }
            try {
                predicted.write().parquet(temporary.toString());
            } catch (Exception e) { // SparkException, undeclared
                // Spark reads only one file's footer to find the schema: the others are read here, on the executors.
                throw notParquet(e).filter(m -> format == DataFormat.PARQUET).<RuntimeException>map(m ->
                        new InvalidDataException(input, "cannot be read as Parquet: " + m)).orElseThrow(() ->
                        e instanceof RuntimeException r ? r : new IllegalStateException(e));
            }
            PlaceTaking.moveIntoPlace(fs, temporary, target); // under --overwrite, the old ones stay whole till then
            if (skipped.value() > 0) {
                out.println(String.format(Locale.ROOT, "%s: skipped %,d bad row%s (data.on-bad-row = skip)", input,
                        skipped.value(), skipped.value() == 1 ? "" : "s"));
            }
            long written = spark.read().parquet(target.toString()).count();
            out.println(String.format(Locale.ROOT, "predicted %,d rows of %s (%s) with %s (%s) in %d partition%s: %s",
                    written, input, format.configName(), location, model.getOrDefault(model.task()), partitions,
                    partitions == 1 ? "" : "s", target));
        } finally {
            fs.delete(temporary, true); // only what a failed write left
        }
    }

    private static boolean exists(FileSystem fs, Path target, String output) {
        try {
            return fs.exists(target);
        } catch (IOException e) {
            throw new InvalidConfigException("--output", "cannot write to '" + output + "': "
                    + StorageFailures.reason(e));
        }
    }

    /** On a cluster, the executors must see an input or output on the driver's local disk (measured). */
    private static void checkReach(SparkSession spark, ConfigLoader.Loaded loaded, DataFormat format,
                                   String inputPath, Path target, FileSystem fs) throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (sc.isLocal()) {
            return;
        }
        List<ExecutorReach.Probe> probes = new ArrayList<>();
        if (format != DataFormat.DATAFRAME_TABLE) {
            probes.add(ExecutorReach.Probe.existing("--input", inputPath));
        }
        fs.mkdirs(target.getParent()); // Spark's write would make it: the marker goes there
        probes.add(ExecutorReach.Probe.directory("--output", target.getParent().toString()));
        ExecutorReach.check(sc, loaded.config().training().jobTimeout(), probes);
    }

    /**
     * model.zip holds the network, not the training set's normalization statistics, so predict feeds tabular
     * features as they are. A config that says they were normalized in training would silently give wrong
     * predictions: that is an error, unless the user states the input is ready ({@code data.normalize = none}).
     */
    private static void checkNormalization(CommandLine cli, DataFormat format, DataConfig data) {
        boolean stated = cli.configFile().isPresent()
                || cli.overrides().stream().anyMatch(o -> o.strip().startsWith("data.normalize"));
        if (stated && format.tabular() && data.normalize() != Normalization.NONE) {
            throw new InvalidConfigException("data.normalize", "is " + data.normalize().configName() + ", but"
                    + " model.zip does not store the training set's statistics, so predict cannot apply them: give it"
                    + " features normalized as in training and set data.normalize = none");
        }
    }

    /** Parquet files, or a catalog table for {@code dataframe-table}, read through Spark SQL. */
    private static Dataset<Row> read(SparkSession spark, DataFormat format, String input) {
        if (format == DataFormat.DATAFRAME_TABLE) {
            try {
                return spark.table(input);
            } catch (Exception e) { // AnalysisException, undeclared
                throw new InvalidDataException(input, "is not a table of the Spark catalog: "
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
        }
        return read(spark, input);
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
