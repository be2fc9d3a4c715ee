package org.sparkddp.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;

/**
 * The training and test examples of a job, read whole by the driver and checked against each other: what a job
 * trains on unless its files are large enough for the executors to read ({@link JobData}), and what tests and
 * baselines compare against.
 *
 * @param train            the training examples (normalized, for tabular data)
 * @param test             the held-out examples, with the training set's classes (and normalization)
 * @param trainRowsSkipped bad rows of the training file left out under {@code data.on-bad-row = skip}
 * @param testRowsSkipped  the same, of the test file
 */
public record Datasets(LabeledExamples train, LabeledExamples test, long trainRowsSkipped, long testRowsSkipped) {

    /**
     * @param targets how tabular label columns are read; the model's loss decides (IDX labels are always classes)
     */
    public static Datasets load(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        Datasets loaded = switch (data.format()) {
            case IDX -> {
                LabeledExamples train = IdxDatasets.load(data.train(), 0, hadoopConf, "data.train");
                LabeledExamples test = IdxDatasets.load(data.test(), train.targetWidth(), hadoopConf, "data.test");
                yield new Datasets(train, test, 0, 0);
            }
            case CSV, LIBSVM -> TabularDatasets.load(data, targets, hadoopConf);
        };
        checkSameFeatures(data, loaded.train().numFeatures(), loaded.test().numFeatures());
        return loaded;
    }

    static void checkSameFeatures(DataConfig data, int trainFeatures, int testFeatures) {
        if (testFeatures != trainFeatures) {
            throw new InvalidDataException(data.test(), "has " + testFeatures + " features per example but "
                    + data.train() + " has " + trainFeatures);
        }
    }

    /**
     * The held-out examples alone, for scoring a saved model whose output layer has {@code outputs} units. IDX
     * reads just the test files; tabular data reads the training file too, for its normalization statistics.
     */
    public static LabeledExamples loadTest(DataConfig data, TargetKind targets, int outputs, Configuration hadoopConf) {
        if (data.format() == org.sparkddp.common.config.DataFormat.IDX) {
            return IdxDatasets.load(data.test(), outputs, hadoopConf, "data.test");
        }
        return load(data, targets, hadoopConf).test();
    }
}
