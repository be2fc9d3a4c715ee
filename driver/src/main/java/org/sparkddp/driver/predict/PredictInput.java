package org.sparkddp.driver.predict;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.output.ModelArchive;

/**
 * An IDX, CSV or LibSVM input of {@code predict}, checked and planned on the driver before Spark starts (the
 * files exist, the header or first line fits the model's width), then decoded on the executors into the rows
 * {@link PredictRows} describes. Only file names, sizes, headers and one line of text reach the driver.
 */
public interface PredictInput {
    /** The rows, as a DataFrame whose partitions the executors decode. */
    Dataset<Row> rows(SparkSession spark, LongAccumulator skipped);

    /**
     * @param format  {@code idx}, {@code csv} or {@code libsvm}
     * @param network the model, restored on the driver to read its input width
     */
    static PredictInput plan(DataFormat format, String input, DataConfig data, ModelArchive.Restored network,
                             String model, Configuration hadoop) {
        int width = ModelInputWidth.of(network).orElseThrow(() -> new InvalidDataException(model, "does not say"
                + " how many features it takes (its first layer is not a dense or an image layer)"));
        return switch (format) {
            case IDX -> IdxRows.plan(input, width, model, data.splitSize(), hadoop);
            case CSV, LIBSVM -> TextRows.plan(format, input, data, width, model, hadoop);
            default -> throw new IllegalArgumentException(format + " is read by Spark SQL, not planned here");
        };
    }

    /** The column the rows' features are in, which predict drops from its output. */
    static String featuresColumn() {
        return PredictRows.FEATURES;
    }
}
