package org.sparkddp.driver.data;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.plan.HoldOut;

/**
 * The training, test and validation examples of a job, read whole by the driver and checked against each other:
 * what tests and the single-machine baselines compare against. No command reads data through it: jobs open their
 * data with {@link JobData}, whose tabular data the executors decode.
 *
 * @param train                 the training examples (normalized, for tabular data), without any held out
 * @param test                  the held-out examples, with the training set's classes (and normalization)
 * @param validation            the validation examples (data.validation, or held out of the training file), if any
 * @param trainRowsSkipped      bad rows of the training file left out under {@code data.on-bad-row = skip}
 * @param testRowsSkipped       the same, of the test file
 * @param validationRowsSkipped the same, of the validation file
 */
public record Datasets(LabeledExamples train, LabeledExamples test, Optional<LabeledExamples> validation,
                       long trainRowsSkipped, long testRowsSkipped, long validationRowsSkipped) {

    public Datasets(LabeledExamples train, LabeledExamples test, long trainRowsSkipped, long testRowsSkipped) {
        this(train, test, Optional.empty(), trainRowsSkipped, testRowsSkipped, 0);
    }

    /**
     * @param targets how tabular label columns are read; the model's loss decides (IDX labels are always classes)
     */
    public static Datasets load(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        return load(data, targets, 0, 0, hadoopConf, Optional.empty());
    }

    /**
     * @param validationFraction the share of the training file held out for validation ({@link HoldOut})
     * @param seed               {@code training.seed}, which picks the held-out examples
     * @param spark              the session that reads {@code parquet} and {@code dataframe-table}, if any
     */
    public static Datasets load(DataConfig data, TargetKind targets, double validationFraction, long seed,
                                Configuration hadoopConf, Optional<SparkSession> spark) {
        if (data.format() != DataFormat.IDX) {
            return TabularDatasets.load(data, targets, validationFraction, seed, hadoopConf, spark);
        }
        LabeledExamples train = IdxDatasets.load(data.train(), data.classes().orElse(0), data.classes().isPresent(),
                hadoopConf, "data.train");
        LabeledExamples test = IdxDatasets.load(data.test(), train.targetWidth(), data.classes().isPresent(),
                hadoopConf, "data.test");
        Optional<LabeledExamples> validation = data.validation().map(file ->
                IdxDatasets.load(file, train.targetWidth(), data.classes().isPresent(), hadoopConf,
                        "data.validation"));
        checkSameFeatures(data, train.numFeatures(), test.numFeatures(),
                validation.map(LabeledExamples::numFeatures));
        HoldOut.Parts<LabeledExamples> parts = HoldOut.of(train.size(), validationFraction, seed)
                .split(train, LabeledExamples::select);
        return new Datasets(parts.kept(), test, parts.held().or(() -> validation), 0, 0, 0);
    }

    /** The test file, and the validation file if there is one, have as many features per example as data.train. */
    static void checkSameFeatures(DataConfig data, int trainFeatures, int testFeatures,
                                  Optional<Integer> validationFeatures) {
        checkSameFeatures(data, data.test(), trainFeatures, testFeatures);
        validationFeatures.ifPresent(n -> checkSameFeatures(data, data.validation().orElseThrow(), trainFeatures, n));
    }

    private static void checkSameFeatures(DataConfig data, String file, int trainFeatures, int fileFeatures) {
        if (fileFeatures != trainFeatures) {
            throw new InvalidDataException(file, "has " + fileFeatures + " features per example but "
                    + data.train() + " has " + trainFeatures);
        }
    }
}
