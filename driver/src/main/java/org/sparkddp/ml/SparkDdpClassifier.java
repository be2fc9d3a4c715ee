package org.sparkddp.ml;

import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.sparkddp.common.data.TargetKind;

/**
 * Classification: labels are class indices 0, 1, 2, ...; the network ends in softmax with cross-entropy (unless
 * the {@code config} Param says otherwise) and {@code transform} adds the raw output, the class probabilities and
 * the predicted class. Runs on the driver; see {@link SparkDdpEstimator}.
 */
public final class SparkDdpClassifier extends SparkDdpEstimator<SparkDdpClassifier> {
    private static final long serialVersionUID = 1L;

    public SparkDdpClassifier() {
        this(Identifiable.randomUID("sparkDdpClassifier"));
    }

    public SparkDdpClassifier(String uid) {
        super(uid);
    }

    @Override
    protected String labelDoc() {
        return "column of class labels: whole numbers 0, 1, 2, ...";
    }

    @Override
    protected String outputDefaults() {
        return "model.output { activation = softmax, loss = cross-entropy }";
    }

    @Override
    protected String task() {
        return SparkDdpModel.CLASSIFICATION;
    }

    @Override
    protected TargetKind targetKind() {
        return TargetKind.CLASS_INDEX;
    }

    /** For {@code Pipeline.load} and {@code SparkDdpClassifier.load}: reads a saved, unfitted estimator. */
    public static MLReader<SparkDdpClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static SparkDdpClassifier load(String path) {
        return read().load(path);
    }
}
