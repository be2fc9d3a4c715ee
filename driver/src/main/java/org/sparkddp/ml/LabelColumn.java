package org.sparkddp.ml;

import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.error.InvalidConfigException;

/** The label column of a training DataFrame, checked against its schema before {@code fit} decodes it. */
final class LabelColumn {
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
}
