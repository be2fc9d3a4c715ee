package org.sparkddp.driver.data;

import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
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
import org.sparkddp.common.plan.HoldOut;

/**
 * Loads a CSV, LibSVM or DataFrame (Parquet, catalog table) training and test set (and a validation set, if any),
 * the others read against what the training set fixed (its classes, its features), then normalizes them all with
 * statistics of the training examples alone: those held out for validation are taken out first. Runs on the
 * driver; text files are read through the Hadoop FileSystem API, DataFrames through Spark SQL
 * ({@link DataFrameTables}). The driver-side path, for tests and single-machine baselines; training has the
 * executors read the same files into the same examples ({@link TabularSources}).
 */
final class TabularDatasets {
    private TabularDatasets() {
    }

    /** @param spark the session that reads a DataFrame format; unused for text files */
    static Datasets load(DataConfig data, TargetKind targets, double validationFraction, long seed,
                         Configuration hadoopConf, Optional<SparkSession> spark) {
        ReadOptions forTrain = ReadOptions.forTraining(targets, data.onBadRow(), data.classes());
        TabularFile train = read(data, data.train(), "data.train", forTrain, hadoopConf, spark);
        ReadOptions forHeldOut = forTrain.forTest(train.examples());
        TabularFile test = read(data, data.test(), "data.test", forHeldOut, hadoopConf, spark);
        Optional<TabularFile> validationFile = data.validation().map(file -> read(data, file, "data.validation",
                forHeldOut, hadoopConf, spark));

        // Checked before normalizing, which needs the same features everywhere.
        Datasets.checkSameFeatures(data, train.features().columns(), test.features().columns(),
                validationFile.map(v -> v.features().columns()));
        HoldOut.Parts<LabeledExamples> parts = HoldOut.of(train.examples().size(), validationFraction, seed)
                .split(train.examples(), LabeledExamples::select);
        Optional<LabeledExamples> validation = parts.held().or(() -> validationFile.map(TabularFile::examples));
        FeatureScaling scaling = FeatureScaling.fit(data.normalize(), (DenseFeatures) parts.kept().features());
        return new Datasets(normalized(parts.kept(), scaling), normalized(test.examples(), scaling),
                validation.map(v -> normalized(v, scaling)), train.skippedRows(), test.skippedRows(),
                validationFile.map(TabularFile::skippedRows).orElse(0L));
    }

    private static TabularFile read(DataConfig data, String location, String key, ReadOptions options,
                                    Configuration hadoopConf, Optional<SparkSession> spark) {
        if (data.format().readBySpark()) {
            return DataFrameTables.read(spark.orElseThrow(() -> new IllegalStateException(
                    "data.format = " + data.format().configName() + " is read through a SparkSession; none was given")),
                    data.format(), data.columns(), location, key, options);
        }
        return HadoopFiles.read(location, hadoopConf, in -> switch (data.format()) {
            case CSV -> new CsvReader(location, data.csv(), options).read(in);
            case LIBSVM -> new LibSvmReader(location, options).read(in);
            default -> throw new IllegalArgumentException(data.format() + " is not a text format");
        });
    }

    private static LabeledExamples normalized(LabeledExamples examples, FeatureScaling scaling) {
        DenseFeatures scaled = scaling.apply((DenseFeatures) examples.features());
        return new LabeledExamples(scaled, examples.targets());
    }
}
