package org.sparkddp.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.TargetKind;

/**
 * A job's training and test data as the driver plans it, checked before Spark starts so that bad data fails
 * fast and names its file. Large uncompressed IDX images files stay on the file system, for the executors to
 * read; everything else the driver reads ({@link Datasets}).
 *
 * @param trainRowsSkipped bad rows of the training file left out under {@code data.on-bad-row = skip}
 * @param testRowsSkipped  the same, of the test file
 */
public record JobData(ExampleSource train, ExampleSource test, long trainRowsSkipped, long testRowsSkipped) {

    /** @param targets how tabular label columns are read; the model's loss decides (IDX labels are always classes) */
    public static JobData open(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        if (data.format() == DataFormat.IDX) {
            ExampleSource train = IdxDatasets.open(data.train(), 0, data.splitSize(), hadoopConf, "data.train");
            ExampleSource test = IdxDatasets.open(data.test(), train.targetWidth(), data.splitSize(), hadoopConf,
                    "data.test");
            Datasets.checkSameFeatures(data, train.numFeatures(), test.numFeatures());
            return new JobData(train, test, 0, 0);
        }
        Datasets loaded = Datasets.load(data, targets, hadoopConf);
        return new JobData(new InMemoryExamples(data.train(), loaded.train()),
                new InMemoryExamples(data.test(), loaded.test()), loaded.trainRowsSkipped(), loaded.testRowsSkipped());
    }

    /** The held-out examples alone, for scoring a saved model whose output layer has {@code outputs} units. */
    public static ExampleSource openTest(DataConfig data, TargetKind targets, int outputs, Configuration hadoopConf) {
        if (data.format() == DataFormat.IDX) {
            return IdxDatasets.open(data.test(), outputs, data.splitSize(), hadoopConf, "data.test");
        }
        return new InMemoryExamples(data.test(), Datasets.loadTest(data, targets, outputs, hadoopConf));
    }
}
