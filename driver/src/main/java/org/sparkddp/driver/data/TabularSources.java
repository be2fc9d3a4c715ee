package org.sparkddp.driver.data;

import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.FeatureScaling;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.plan.HoldOut;

/**
 * A job's CSV, LibSVM, Parquet or catalog-table data, decoded, checked, counted and normalized by the executors.
 * The driver plans the reads and receives per-block counts and statistics only, in these named steps:
 * <ol>
 *   <li>decode and count the training set: its row numbers, features, classes and bad rows;</li>
 *   <li>decode and count the test (and validation) set against what training fixed;</li>
 *   <li>statistics: which rows validation.fraction holds out, and the kept rows' normalization;</li>
 *   <li>the sources, whose shards the executors build when training asks for them.</li>
 * </ol>
 * Runs on the driver.
 */
final class TabularSources {
    private TabularSources() {
    }

    static JobData open(DataConfig data, ValidationConfig validation, long seed, TargetKind targets,
                        Configuration hadoopConf, SparkSession spark) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        boolean sparse = data.format() == DataFormat.LIBSVM;
        // Step 1: the training set fixes the features and the classes.
        ReadOptions forTrain = ReadOptions.forTraining(targets, data.onBadRow(), data.classes());
        DecodedTable train = DecodedTable.count(blocks(sc, spark, data, data.train(), "data.train", forTrain,
                hadoopConf), data.train(), data.onBadRow());
        int features = train.features(sparse);
        int classes = targets == TargetKind.CLASS_INDEX ? classes(data, train) : 0;
        int targetWidth = targets == TargetKind.CLASS_INDEX ? classes
                : data.format() == DataFormat.CSV ? data.csv().labelColumns().size() : 1;
        // Step 2: the held-out files, read against it.
        ReadOptions forHeldOut = forTrain.forTest(classes, features);
        DecodedTable test = DecodedTable.count(blocks(sc, spark, data, data.test(), "data.test", forHeldOut,
                hadoopConf), data.test(), data.onBadRow());
        Optional<DecodedTable> file = data.validation().map(v -> DecodedTable.count(blocks(sc, spark, data, v,
                "data.validation", forHeldOut, hadoopConf), v, data.onBadRow()));
        Datasets.checkSameFeatures(data, features, sparse ? features : test.features(false),
                file.map(v -> sparse ? features : v.features(false)));
        // Step 3: the hold-out and the kept rows' statistics.
        TableStats stats = TableStats.of(train, new HoldOut.Rule(validation.fraction(), seed), features);
        FeatureScaling scaling = stats.stats().scaling(data.normalize());
        // Step 4: the sources.
        DecodedExamples kept = new DecodedExamples(train, stats.rule().any() ? DecodedExamples.Selection.KEPT
                : DecodedExamples.Selection.ALL, stats.rule(), stats.kept(), features, scaling, targets,
                targetWidth, metrics(targets, targetWidth, train));
        Optional<ExampleSource> heldOut = stats.rule().any()
                ? Optional.of(new DecodedExamples(train, DecodedExamples.Selection.HELD, stats.rule(), stats.held(),
                        features, scaling, targets, targetWidth, metrics(targets, targetWidth, train)))
                : file.map(v -> all(v, features, scaling, targets, targetWidth));
        if (kept.size() == 0) {
            throw new InvalidDataException(data.train(), "has no example left for training after"
                    + " validation.fraction = " + validation.fraction() + " held out all " + train.rows());
        }
        return new JobData(kept, all(test, features, scaling, targets, targetWidth), heldOut, train.skipped(),
                test.skipped(), file.map(DecodedTable::skipped).orElse(0L));
    }

    private static ExampleSource all(DecodedTable table, int features, FeatureScaling scaling, TargetKind targets,
                                     int targetWidth) {
        return new DecodedExamples(table, DecodedExamples.Selection.ALL, HoldOut.Rule.NONE, Map.of(), features,
                scaling, targets, targetWidth, metrics(targets, targetWidth, table));
    }

    private static JavaRDD<RowBlock> blocks(JavaSparkContext sc, SparkSession spark, DataConfig data,
                                            String location, String key, ReadOptions options,
                                            Configuration hadoopConf) {
        return data.format().readBySpark() ? BlockReads.frame(spark, data, location, key, options)
                : BlockReads.text(sc, data, location, options, hadoopConf);
    }

    /** data.classes, or the largest training label + 1. */
    private static int classes(DataConfig data, DecodedTable train) {
        if (data.classes().isPresent()) {
            return data.classes().getAsInt();
        }
        int classes = train.maxLabel() + 1;
        if (classes < 2) {
            throw new InvalidDataException(data.train(), "holds a single class (every label is 0)");
        }
        return classes;
    }

    /** Decided from the whole set's aggregates, as {@link MetricsSpec#of} decides from its targets. */
    private static MetricsSpec metrics(TargetKind targets, int width, DecodedTable table) {
        if (targets == TargetKind.CLASS_INDEX) {
            return new MetricsSpec(MetricsSpec.Kind.CLASSIFICATION, width);
        }
        return new MetricsSpec(width == 1 && table.zeroOne() ? MetricsSpec.Kind.BINARY : MetricsSpec.Kind.REGRESSION,
                width);
    }
}
