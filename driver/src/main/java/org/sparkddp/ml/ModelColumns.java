package org.sparkddp.ml;

import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The Params the estimator and its model share, declared once with MLlib's names and defaults, and the columns
 * {@code transform} adds. Driver side.
 */
final class ModelColumns {
    private ModelColumns() {
    }

    static Param<String> featuresCol(Params owner) {
        return new Param<>(owner, "featuresCol", "column of feature rows: a Vector, or an array of floats or doubles");
    }

    static Param<String> predictionCol(Params owner) {
        return new Param<>(owner, "predictionCol", "output column: the predicted class, as a double");
    }

    static Param<String> probabilityCol(Params owner) {
        return new Param<>(owner, "probabilityCol", "output column: the probability of each class, a Vector");
    }

    static Param<String> rawPredictionCol(Params owner) {
        return new Param<>(owner, "rawPredictionCol", "output column: the network's output layer, a Vector (the"
                + " softmax output, so equal to the probabilities)");
    }

    static IntArrayParam inputShape(Params owner) {
        return new IntArrayParam(owner, "inputShape", "shape of one example, such as [1, 28, 28] for grey images"
                + " given as flat rows; empty for flat input");
    }

    /** MLlib's column names, and flat input. */
    static void setColumnDefaults(Params owner, Param<String> features, Param<String> prediction,
                                  Param<String> probability, Param<String> raw, IntArrayParam shape) {
        owner.setDefault(features, "features");
        owner.setDefault(prediction, "prediction");
        owner.setDefault(probability, "probability");
        owner.setDefault(raw, "rawPrediction");
        owner.setDefault(shape, new int[0]);
    }

    /**
     * Spark's {@code explainParam} prints a value with string concatenation, which for an {@code int[]} gives
     * {@code [I@10e31a9a}; this writes the array's elements instead, as they would be set.
     */
    static String explain(Params owner, org.apache.spark.ml.param.Param<?> param, String spark) {
        if (!(param instanceof IntArrayParam)) {
            return spark;
        }
        String text = spark;
        for (scala.Option<?> value : List.of(owner.getDefault(param), owner.get(param))) {
            if (value.isDefined() && value.get() instanceof int[] array) {
                text = text.replace(array.toString(), java.util.Arrays.toString(array));
            }
        }
        return text;
    }

    /** The network's input shape: the Param's, checked against the rows' width, or flat when it is empty. */
    static int[] shape(int[] param, int width) {
        return org.sparkddp.common.data.InputShape.of(param, width, "inputShape");
    }

    /**
     * The input schema with the output columns appended: for classification the raw output, the probabilities and
     * the predicted class; for regression the predicted value. Fails if one exists already.
     */
    static StructType outputSchema(StructType schema, String task, String prediction, String probability, String raw) {
        List<String> added = task.equals(SparkDdpModel.CLASSIFICATION) ? List.of(raw, probability, prediction)
                : List.of(prediction);
        for (String column : added) {
            if (List.of(schema.fieldNames()).contains(column)) {
                throw new InvalidConfigException(column, "output column exists already in the DataFrame");
            }
        }
        if (!task.equals(SparkDdpModel.CLASSIFICATION)) {
            return schema.add(prediction, DataTypes.DoubleType, false);
        }
        return schema.add(raw, SQLDataTypes.VectorType(), false)
                .add(probability, SQLDataTypes.VectorType(), false)
                .add(prediction, DataTypes.DoubleType, false);
    }
}
