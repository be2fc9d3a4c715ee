package org.sparkddp.driver.predict;

import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows {@code predict} decodes from IDX, CSV and LibSVM files, as a DataFrame the model transforms: which file
 * and where in it ({@code position}: the image's index in an IDX file, the line's byte offset in a text file, so
 * that a row is identified by its file and place whatever the splits), the label when the input carries one
 * (IDX with its labels file beside it), and the features the model reads (dropped from the output).
 */
final class PredictRows {
    static final String FILE = "file";
    static final String POSITION = "position";
    static final String LABEL = "label";
    static final String FEATURES = "features";

    private PredictRows() {
    }

    static StructType schema(boolean labels) {
        StructType schema = new StructType().add(FILE, DataTypes.StringType, false)
                .add(POSITION, DataTypes.LongType, false);
        if (labels) {
            schema = schema.add(LABEL, DataTypes.DoubleType, false);
        }
        return schema.add(FEATURES, new VectorUDT(), false);
    }
}
