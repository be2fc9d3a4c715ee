package org.sparkddp.ml;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.data.FeatureValues;
import scala.collection.Seq;

/**
 * A DataFrame column of feature rows, as Spark ML users keep them: a {@code Vector} (dense or sparse) or an
 * {@code array<float>} / {@code array<double>}. Checked on the driver; read on the driver (fit) and the executors
 * (transform).
 */
final class FeatureColumn {
    private FeatureColumn() {
    }

    /** Fails, naming the param, unless {@code column} exists and holds feature rows. */
    static void check(StructType schema, String param, String column) {
        if (!List.of(schema.fieldNames()).contains(column)) {
            throw new InvalidConfigException(param, "names column '" + column + "', which the DataFrame lacks (it has "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType type = schema.apply(column).dataType();
        boolean array = type instanceof ArrayType a && (a.elementType().equals(DataTypes.FloatType)
                || a.elementType().equals(DataTypes.DoubleType));
        if (!array && !type.equals(SQLDataTypes.VectorType())) {
            throw new InvalidConfigException(param, "column '" + column + "' is " + type.simpleString()
                    + "; expected a Vector or an array<float> or array<double>");
        }
    }

    /** Copies row {@code row}'s features into {@code dst} at {@code offset}; fails on a wrong width or a null. */
    static void copy(Row row, int field, String column, float[] dst, int offset, int width) {
        Object value = row.get(field);
        float[] values = value == null ? null : FeatureValues.of(value);
        if (values == null) {
            throw new InvalidDataException("column '" + column + "'", "holds a null feature row");
        }
        checkWidth(column, values.length, width);
        System.arraycopy(values, 0, dst, offset, width);
    }

    /** The width of the first row, which every other row must match. */
    static int width(Row row, int field, String column) {
        Object value = row.get(field);
        if (value == null) {
            throw new InvalidDataException("column '" + column + "'", "holds a null feature row");
        }
        return value instanceof Vector vector ? vector.size() : ((Seq<?>) value).size();
    }

    private static void checkWidth(String column, int actual, int expected) {
        if (actual != expected) {
            throw new InvalidDataException("column '" + column + "'", "has a row of " + actual + " features where"
                    + " the others have " + expected);
        }
    }
}
