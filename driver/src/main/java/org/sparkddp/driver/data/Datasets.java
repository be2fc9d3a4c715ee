package org.sparkddp.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.error.InvalidDataException;

/**
 * The training and test examples of a job, loaded and checked against each other on the driver before Spark
 * starts, so that bad data fails fast and names its file.
 *
 * @param train the training examples
 * @param test  the held-out examples, with the training set's classes
 */
public record Datasets(LabeledExamples train, LabeledExamples test) {

    public static Datasets load(DataConfig data, Configuration hadoopConf) {
        LabeledExamples train = IdxDatasets.load(data.train(), 0, hadoopConf, "data.train");
        LabeledExamples test = IdxDatasets.load(data.test(), train.numClasses(), hadoopConf, "data.test");
        if (test.numFeatures() != train.numFeatures()) {
            throw new InvalidDataException(data.test(), "has " + test.numFeatures() + " features per example but "
                    + data.train() + " has " + train.numFeatures());
        }
        return new Datasets(train, test);
    }
}
