package org.sparkddp.driver.data;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.config.ColumnsConfig;
import org.sparkddp.common.config.Normalization;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.data.FeatureScaling;
import org.sparkddp.common.data.ReadOptions;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.plan.HoldOut;

/**
 * The rows of a DataFrame that the Spark ML Estimator is fitted on, decoded and checked by the executors as a
 * Parquet dataset is ({@link BlockReads}), never collected: the driver receives per-block counts. Planned on the
 * driver.
 *
 * <p>NOTE: a DataFrame handed to {@code fit} has no file identity (it may be computed), so its rows are numbered by
 * partition index and position in the partition: the same DataFrame with another partitioning trains on the same
 * rows in another order.
 */
public final class DataFrameExamples {
    private static final String NAME = "DataFrame";

    private DataFrameExamples() {
    }

    /** The examples kept for training, and those {@code validation.fraction} holds out, if any. */
    public record Parts(ExampleSource train, Optional<ExampleSource> held) {
    }

    /**
     * @param features the features column: a Vector or an array of numbers
     * @param label    the label column: class indices ({@code kind} CLASS_INDEX) or one real target
     */
    public static Parts open(Dataset<?> dataset, String features, String label, TargetKind kind,
                             ValidationConfig validation, long seed) {
        Dataset<Row> frame = dataset.toDF();
        DataFrameTables.Reader reader = DataFrameTables.Reader.of(frame.schema(),
                new ColumnsConfig(List.of(features), label, List.of()), NAME);
        Dataset<Row> keyed = frame.select(functions.lit(NAME), frame.col(DataFrameTables.quoted(features)),
                frame.col(DataFrameTables.quoted(label)), functions.lit(-1L));
        ReadOptions options = ReadOptions.forTraining(kind, BadRowPolicy.FAIL);
        DecodedTable table = DecodedTable.count(BlockReads.blocks(keyed, NAME, reader, options, false), NAME,
                BadRowPolicy.FAIL);
        int columns = table.features(false);
        int width = 1;
        if (kind == TargetKind.CLASS_INDEX) {
            width = table.maxLabel() + 1;
            if (width < 2) {
                throw new InvalidDataException("column '" + label + "'", "holds a single class (every label is 0)");
            }
        }
        TableStats stats = TableStats.of(table, new HoldOut.Rule(validation.fraction(), seed), columns);
        FeatureScaling identity = stats.stats().scaling(Normalization.NONE);
        MetricsSpec metrics = kind == TargetKind.CLASS_INDEX ? new MetricsSpec(MetricsSpec.Kind.CLASSIFICATION, width)
                : new MetricsSpec(table.zeroOne() ? MetricsSpec.Kind.BINARY : MetricsSpec.Kind.REGRESSION, 1);
        HoldOut.Rule rule = stats.rule();
        ExampleSource train = rule.any()
                ? new DecodedExamples(table, DecodedExamples.Selection.KEPT, rule, stats.kept(), columns, identity,
                        kind, width, metrics)
                : new DecodedExamples(table, DecodedExamples.Selection.ALL, rule, Map.of(), columns, identity, kind,
                        width, metrics);
        Optional<ExampleSource> held = rule.any()
                ? Optional.of(new DecodedExamples(table, DecodedExamples.Selection.HELD, rule, stats.held(), columns,
                        identity, kind, width, metrics))
                : Optional.empty();
        return new Parts(train, held);
    }
}
