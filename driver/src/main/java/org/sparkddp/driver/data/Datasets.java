package org.sparkddp.driver.data;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * The training, test and validation examples of an IDX job, read whole into one process and checked against each
 * other: the data of {@code deploy/bench}'s single-process and Spark baselines ({@code org.sparkddp.bench}), which
 * legitimately hold the whole dataset in one JVM. A command's path, not a test seam; training itself opens its data
 * with {@link JobData}, whose large files the executors read.
 *
 * @param train      the training examples
 * @param test       the held-out examples, with the training set's classes
 * @param validation the examples of {@code data.validation}, if any
 */
public record Datasets(LabeledExamples train, LabeledExamples test, Optional<LabeledExamples> validation) {

    /**
     * @param targets unused for IDX (its labels are always classes); taken so that a baseline states what its model
     *                trains on
     * @throws InvalidConfigException for a tabular {@code data.format}: the baselines read IDX data only
     */
    public static Datasets load(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        if (data.format() != DataFormat.IDX) {
            throw new InvalidConfigException("data.format", "is " + data.format().configName() + ", but the"
                    + " single-process baselines read IDX data only (train tabular data with spark-ddp train)");
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
        return new Datasets(train, test, validation);
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
