package org.sparkddp.driver.data;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.plan.HoldOut;

/**
 * A job's training, test and validation data as the driver plans it, checked before Spark starts so that bad
 * data fails fast and names its file. Large uncompressed IDX images files stay on the file system, for the
 * executors to read; a gzipped or small one the driver reads. Tabular data (CSV, LibSVM, Parquet, catalog tables)
 * is decoded, checked, normalized and sharded by the executors, through the command's Spark session
 * ({@link TabularSources}): the driver receives per-block counts and statistics, never rows.
 *
 * @param validation            the validation set, from {@code data.validation} or held out of the training file
 *                              ({@code validation.fraction}, then not in {@code train}); empty for none
 * @param trainRowsSkipped      bad rows of the training file left out under {@code data.on-bad-row = skip}
 * @param testRowsSkipped       the same, of the test file
 * @param validationRowsSkipped the same, of the validation file
 */
public record JobData(ExampleSource train, ExampleSource test, Optional<ExampleSource> validation,
                      long trainRowsSkipped, long testRowsSkipped, long validationRowsSkipped) {

    /** IDX training and test data alone, as before validation sets existed (tabular data needs a session). */
    public static JobData open(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        return open(data, ValidationConfig.NONE, 0, targets, hadoopConf, Optional.empty());
    }

    /**
     * @param validation where {@code validation.fraction} holds out examples (the file is {@code data.validation})
     * @param seed       {@code training.seed}, which picks the held-out examples
     * @param targets    how tabular label columns are read; the model's loss decides (IDX labels are always classes)
     * @param spark      the session whose executors decode tabular data (CSV, LibSVM, Parquet, catalog tables); needed
     *                   only for them
     */
    public static JobData open(DataConfig data, ValidationConfig validation, long seed, TargetKind targets,
                               Configuration hadoopConf, Optional<SparkSession> spark) {
        if (data.format() == DataFormat.IDX) {
            ExampleSource train = IdxDatasets.open(data.train(), data.classes().orElse(0), data.classes().isPresent(),
                    data.splitSize(), hadoopConf, "data.train");
            ExampleSource test = IdxDatasets.open(data.test(), train.targetWidth(), data.classes().isPresent(),
                    data.splitSize(), hadoopConf,
                    "data.test");
            Optional<ExampleSource> file = data.validation().map(v -> IdxDatasets.open(v, train.targetWidth(),
                    data.classes().isPresent(), data.splitSize(), hadoopConf, "data.validation"));
            Datasets.checkSameFeatures(data, train.numFeatures(), test.numFeatures(),
                    file.map(ExampleSource::numFeatures));
            HoldOut.Parts<ExampleSource> parts = HoldOut.of(train.size(), validation, seed)
                    .split(train, ExampleSource::subset);
            return new JobData(parts.kept(), test, parts.held().or(() -> file), 0, 0, 0);
        }
        // The executors decode, check and shard; the driver gets counts and statistics.
        return TabularSources.open(data, validation, seed, targets, hadoopConf, session(data, spark));
    }

    /** The held-out examples alone, for scoring a saved model whose output layer has {@code outputs} units. */
    public static ExampleSource openTest(DataConfig data, TargetKind targets, int outputs, Configuration hadoopConf,
                                         Optional<SparkSession> spark) {
        if (data.format() == DataFormat.IDX) {
            return IdxDatasets.open(data.test(), outputs, data.splitSize(), hadoopConf, "data.test");
        }
        // The training set too, for its classes, features and normalization.
        return open(data, ValidationConfig.NONE, 0, targets, hadoopConf, spark).test();
    }

    /**
     * The session that decodes tabular data. Every command that reads such data starts Spark for it first
     * ({@code CommandSpark}), so none is a programming error.
     */
    private static SparkSession session(DataConfig data, Optional<SparkSession> spark) {
        return spark.orElseThrow(() -> new IllegalArgumentException("data.format = " + data.format().configName()
                + " is decoded by the executors: open it with the command's SparkSession"));
    }
}
