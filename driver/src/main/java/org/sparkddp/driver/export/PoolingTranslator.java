package org.sparkddp.driver.export;

import java.util.ArrayList;
import java.util.List;
import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * Max or average pooling over NCHW images: ONNX {@code MaxPool} or {@code AveragePool}. Average pooling counts the
 * padding in its divisor exactly when DL4J's layer does ({@code avgPoolIncludePadInDivisor}). P-norm pooling has no
 * ONNX counterpart here and is refused.
 */
final class PoolingTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        SubsamplingLayer conf = (SubsamplingLayer) layer.conf().getLayer();
        Onnx.AttributeProto padding = ConvolutionTranslator.Windows.check(name, "SubsamplingLayer", input,
                conf.getCnn2dDataFormat(), conf.getConvolutionMode(), conf.getDilation(), conf.getPadding());
        List<Onnx.AttributeProto> attributes = new ArrayList<>(List.of(
                OnnxGraph.ints("kernel_shape", conf.getKernelSize()), OnnxGraph.ints("strides", conf.getStride()),
                padding));
        String op;
        if (conf.getPoolingType() == PoolingType.MAX) {
            op = "MaxPool";
        } else if (conf.getPoolingType() == PoolingType.AVG) {
            op = "AveragePool";
            attributes.add(OnnxGraph.attr("count_include_pad", conf.isAvgPoolIncludePadInDivisor() ? 1L : 0L));
        } else {
            throw new NotExportableException(name, "SubsamplingLayer", "pooling type " + conf.getPoolingType()
                    + " (max and average are exported)");
        }
        return new Tensor(graph.node(op, name, List.of(input.name()),
                attributes.toArray(Onnx.AttributeProto[]::new)), 4);
    }
}
