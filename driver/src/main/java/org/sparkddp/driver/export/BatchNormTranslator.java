package org.sparkddp.driver.export;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalization in inference form: ONNX {@code BatchNormalization} with the running mean and variance, per
 * feature of rows or per channel of NCHW images.
 *
 * <p>NOTE: DL4J (with {@code useLogStd}, its default) keeps {@code log10} of the running standard deviation, not the
 * variance; at inference it takes {@code var = (10^log10std)^2} and divides by {@code sqrt(var + eps)}, so the
 * variance given to ONNX is {@code (10^log10std)^2}, computed in double, with the same epsilon.
 *
 * <p>NOTE: DL4J's batch-norm layer never applies the activation its configuration carries (its {@code activate}
 * returns the normalized values; the configuration's activation is the builder's default, sigmoid, unless set), so
 * none is written here either: the export follows what {@code output()} computes, not what the configuration says.
 */
final class BatchNormTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        BatchNormalization conf = (BatchNormalization) layer.conf().getLayer();
        if (conf.isLockGammaBeta()) {
            throw new NotExportableException(name, "BatchNormalization", "locked gamma and beta are not exported");
        }
        if (input.rank() == 4 && conf.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new NotExportableException(name, "BatchNormalization", "data format " + conf.getCnn2DFormat()
                    + " (only NCHW is exported)");
        }
        if (input.rank() != 2 && input.rank() != 4) {
            throw new NotExportableException(name, "BatchNormalization", "its input has rank " + input.rank());
        }
        INDArray variance;
        if (conf.isUseLogStd()) {
            INDArray log10std = LayerTranslator.vector(name, layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                    .castTo(DataType.DOUBLE);
            INDArray std = Transforms.pow(log10std.like().assign(10.0), log10std, false);
            variance = std.mul(std);
        } else {
            variance = LayerTranslator.vector(name, layer, BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        String normalized = graph.node("BatchNormalization", name, List.of(input.name(),
                        graph.weights(name + "/gamma", LayerTranslator.vector(name, layer,
                                BatchNormalizationParamInitializer.GAMMA)),
                        graph.weights(name + "/beta", LayerTranslator.vector(name, layer,
                                BatchNormalizationParamInitializer.BETA)),
                        graph.weights(name + "/mean", LayerTranslator.vector(name, layer,
                                BatchNormalizationParamInitializer.GLOBAL_MEAN)),
                        graph.weights(name + "/var", variance)),
                OnnxGraph.attr("epsilon", (float) conf.getEps()));
        return new Tensor(normalized, input.rank());
    }
}
