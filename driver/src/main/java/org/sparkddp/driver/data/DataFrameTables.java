package org.sparkddp.driver.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.config.ColumnsConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.error.InvalidInputException;

/**
 * Opens a Parquet dataset or a catalog table through Spark SQL, with the checks of its schema against
 * {@code data.columns} and the reader of a row's feature columns that the executors' decoding uses
 * ({@link BlockReads}, {@link DataFrameExamples}). Runs on the driver; {@link Reader#features} runs where the
 * rows are.
 */
final class DataFrameTables {
    private DataFrameTables() {
    }

    /** @param key the config key that named {@code location}: data.train, data.test or data.validation */
    static Dataset<Row> open(SparkSession spark, DataFormat format, String location, String key) {
        try {
            return switch (format) {
                case PARQUET -> spark.read().parquet(location);
                case DATAFRAME_TABLE -> spark.table(location);
                default -> throw new IllegalArgumentException(format + " is not read through Spark SQL");
            };
        } catch (Exception e) { // Spark's AnalysisException is checked, though Scala does not declare it
            String message = String.valueOf(e.getMessage());
            if (message.contains("PATH_NOT_FOUND") || message.contains("Path does not exist")) {
                throw new InvalidDataException(location, "no such file or directory");
            }
            if (message.contains("TABLE_OR_VIEW_NOT_FOUND")) {
                throw new InvalidConfigException(key, "names table '" + location + "', which the Spark catalog ("
                        + spark.conf().get("spark.sql.catalogImplementation", "in-memory") + ") does not have");
            }
            throw unreadable(location, format, e);
        }
    }

    /** A file Spark cannot decode (not Parquet, truncated): one line, from the innermost cause, which names it. */
    static RuntimeException unreadable(String location, DataFormat format, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidInputException known) {
                return known;
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = root instanceof java.io.IOException io ? org.sparkddp.common.data.StorageFailures.reason(io)
                : String.valueOf(root.getMessage()).lines().findFirst().orElse(root.toString());
        return new InvalidDataException(location, "cannot be read as " + format.configName() + ": " + reason);
    }

    /** Column names with dots or spaces are taken whole, not as struct fields. */
    static String quoted(String column) {
        return "`" + column.replace("`", "``") + "`";
    }

    /** How the feature columns of a schema become one row of floats. Checked against the schema up front. */
    record Reader(List<Boolean> whole, int count) implements java.io.Serializable {
        static Reader of(StructType schema, ColumnsConfig columns, String location) {
            List<String> present = List.of(schema.fieldNames());
            List<Boolean> whole = new ArrayList<>();
            for (int i = 0; i < columns.features().size(); i++) {
                String key = columns.features().size() == 1 ? "data.columns.features"
                        : "data.columns.features[" + i + "]";
                DataType type = type(schema, present, key, columns.features().get(i), location);
                boolean vectorOrArray = type.equals(SQLDataTypes.VectorType())
                        || type instanceof ArrayType a && a.elementType() instanceof NumericType;
                if (!(type instanceof NumericType) && !vectorOrArray) {
                    throw new InvalidConfigException(key, "column '" + columns.features().get(i) + "' of " + location
                            + " is " + type.simpleString() + "; expected numbers, a Vector or an array of numbers");
                }
                whole.add(vectorOrArray);
            }
            DataType label = type(schema, present, "data.columns.label", columns.label(), location);
            if (!(label instanceof NumericType)) {
                throw new InvalidConfigException("data.columns.label", "column '" + columns.label() + "' of "
                        + location + " is " + label.simpleString() + "; expected numbers");
            }
            return new Reader(whole, columns.features().size());
        }

        private static DataType type(StructType schema, List<String> present, String key, String column,
                                     String location) {
            if (!present.contains(column)) {
                throw new InvalidConfigException(key, "names column '" + column + "', which " + location
                        + " lacks (it has " + String.join(", ", present) + ")");
            }
            return schema.apply(column).dataType();
        }

        /** Row {@code r}'s features (fields 1..count), or null if any is null. Runs where the rows are. */
        float[] features(Row r) {
            List<float[]> parts = new ArrayList<>(count);
            int width = 0;
            for (int i = 0; i < count; i++) {
                if (r.isNullAt(1 + i)) {
                    return null;
                }
                float[] part = whole.get(i) ? FeatureValues.of(r.get(1 + i))
                        : new float[] {((Number) r.get(1 + i)).floatValue()};
                if (part == null) {
                    return null;
                }
                parts.add(part);
                width += part.length;
            }
            float[] row = new float[width];
            int at = 0;
            for (float[] part : parts) {
                System.arraycopy(part, 0, row, at, part.length);
                at += part.length;
            }
            return row;
        }
    }
}
