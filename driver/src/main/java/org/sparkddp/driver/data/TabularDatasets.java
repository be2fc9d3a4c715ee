package org.sparkddp.driver.data;

import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.data.CsvReader;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.FeatureScaling;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.LibSvmReader;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.TabularFile;
import org.sparkddp.common.data.TargetKind;

/**
 * Loads a CSV or LibSVM training and test file, the test file read against what the training file fixed (its
 * classes, its LibSVM features), then normalizes both with statistics of the training file alone. Runs on the
 * driver, through the Hadoop FileSystem API.
 */
final class TabularDatasets {
    private TabularDatasets() {
    }

    static Datasets load(DataConfig data, TargetKind targets, Configuration hadoopConf) {
        ReadOptions forTrain = ReadOptions.forTraining(targets, data.onBadRow());
        TabularFile train = read(data, data.train(), forTrain, hadoopConf);
        TabularFile test = read(data, data.test(), forTrain.forTest(train.examples()), hadoopConf);
        FeatureScaling scaling = FeatureScaling.fit(data.normalize(), train.features());
        return new Datasets(normalized(train, scaling), normalized(test, scaling), train.skippedRows(),
                test.skippedRows());
    }

    private static TabularFile read(DataConfig data, String location, ReadOptions options, Configuration hadoopConf) {
        return HadoopFiles.read(location, hadoopConf, in -> switch (data.format()) {
            case CSV -> new CsvReader(location, data.csv(), options).read(in);
            case LIBSVM -> new LibSvmReader(location, options).read(in);
            case IDX -> throw new IllegalArgumentException("IDX is not tabular");
        });
    }

    private static LabeledExamples normalized(TabularFile file, FeatureScaling scaling) {
        DenseFeatures scaled = scaling.apply(file.features());
        return new LabeledExamples(scaled, file.examples().targets());
    }
}
