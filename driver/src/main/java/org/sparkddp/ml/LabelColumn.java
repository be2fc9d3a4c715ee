package org.sparkddp.ml;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.DenseFeatures;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

/** The label column of a training DataFrame, and the gathering of features and labels (or targets) for {@code fit}. */
final class LabelColumn {
    /** Class indices this large are surely a mistake (a regression target read as a class). */
    private static final int MAX_CLASSES = 1 << 16;

    private LabelColumn() {
    }

    static void check(StructType schema, String column) {
        if (!List.of(schema.fieldNames()).contains(column)) {
            throw new InvalidConfigException("labelCol", "names column '" + column + "', which the DataFrame lacks");
        }
        DataType type = schema.apply(column).dataType();
        if (!(type instanceof NumericType)) {
            throw new InvalidConfigException("labelCol", "column '" + column + "' is " + type.simpleString()
                    + "; expected numbers");
        }
    }

    /**
     * The selected columns as examples: features as float rows, labels as classes {@code 0 .. max}. Runs on the
     * driver.
     */
    static LabeledExamples collect(Dataset<?> dataset, String features, String label) {
        List<Row> rows = rows(dataset, features, label);
        int width = FeatureColumn.width(rows.get(0), 0, features);
        float[] data = new float[Math.multiplyExact(rows.size(), width)];
        int[] labels = new int[rows.size()];
        int most = 0;
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            FeatureColumn.copy(row, 0, features, data, r * width, width);
            double value = value(row, label, r);
            if (value < 0 || value != Math.rint(value) || value >= MAX_CLASSES) {
                throw new InvalidDataException("column '" + label + "'", "row " + r + " has label " + value
                        + ", not a whole number in 0.." + (MAX_CLASSES - 1));
            }
            labels[r] = (int) value;
            most = Math.max(most, labels[r]);
        }
        if (most == 0) {
            throw new InvalidDataException("column '" + label + "'", "holds a single class (every label is 0)");
        }
        return new LabeledExamples(new DenseFeatures(rows.size(), width, data),
                new ClassLabels(most + 1, labels));
    }

    /** The selected columns as examples with one real-valued target each. Runs on the driver. */
    static LabeledExamples collectReal(Dataset<?> dataset, String features, String label) {
        List<Row> rows = rows(dataset, features, label);
        int width = FeatureColumn.width(rows.get(0), 0, features);
        float[] data = new float[Math.multiplyExact(rows.size(), width)];
        float[] targets = new float[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            FeatureColumn.copy(rows.get(r), 0, features, data, r * width, width);
            targets[r] = (float) value(rows.get(r), label, r);
            if (!Float.isFinite(targets[r])) {
                throw new InvalidDataException("column '" + label + "'", "row " + r + " has target " + targets[r]
                        + ", expected a finite number");
            }
        }
        return new LabeledExamples(new DenseFeatures(rows.size(), width, data), new RealTargets(1, targets));
    }

    private static List<Row> rows(Dataset<?> dataset, String features, String label) {
        List<Row> rows = dataset.select(features, label).collectAsList();
        if (rows.isEmpty()) {
            throw new InvalidDataException("DataFrame", "holds no rows to train on");
        }
        return rows;
    }

    private static double value(Row row, String label, int r) {
        if (row.isNullAt(1)) {
            throw new InvalidDataException("column '" + label + "'", "row " + r + " has no label");
        }
        return ((Number) row.get(1)).doubleValue();
    }
}
