package org.sparkddp.ml;

import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.sparkddp.common.data.TargetKind;

/**
 * Regression: the label is one real value per row; the network ends in an identity output with mean squared
 * error (unless the {@code config} Param says otherwise) and {@code transform} adds the predicted value. Runs on
 * the driver; see {@link SparkDdpEstimator}.
 */
public final class SparkDdpRegressor extends SparkDdpEstimator<SparkDdpRegressor> {
    private static final long serialVersionUID = 1L;

    public SparkDdpRegressor() {
        this(Identifiable.randomUID("sparkDdpRegressor"));
    }

    public SparkDdpRegressor(String uid) {
        super(uid);
    }

    @Override
    protected String labelDoc() {
        return "column of real-valued targets";
    }

    @Override
    protected String outputDefaults() {
        return "model.output { activation = identity, loss = mse }";
    }

    @Override
    protected String task() {
        return SparkDdpModel.REGRESSION;
    }

    @Override
    protected TargetKind targetKind() {
        return TargetKind.REAL;
    }

    public static MLReader<SparkDdpRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static SparkDdpRegressor load(String path) {
        return read().load(path);
    }
}
