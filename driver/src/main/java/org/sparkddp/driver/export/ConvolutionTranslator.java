package org.sparkddp.driver.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;

/**
 * A 2-D convolution on NCHW images: ONNX {@code Conv} with DL4J's {@code [out, in, kH, kW]} weights as they are, then
 * the activation. DL4J's "same" mode pads the bottom and right by the odd pixel, as {@code auto_pad = SAME_UPPER}
 * does; truncate and strict modes pad symmetrically by the layer's padding and drop what does not fit, as ONNX's
 * explicit pads (with the floor of the output size) do.
 */
final class ConvolutionTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        ConvolutionLayer conf = (ConvolutionLayer) layer.conf().getLayer();
        Onnx.AttributeProto padding = Windows.check(name, "ConvolutionLayer", input, conf.getCnn2dDataFormat(),
                conf.getConvolutionMode(), conf.getDilation(), conf.getPadding());
        List<String> inputs = new ArrayList<>(List.of(input.name(), graph.weights(name + "/W",
                LayerTranslator.param(name, layer, "W"))));
        if (conf.hasBias()) {
            inputs.add(graph.weights(name + "/b", LayerTranslator.vector(name, layer, "b")));
        }
        String conv = graph.node("Conv", name, inputs, OnnxGraph.ints("kernel_shape", conf.getKernelSize()),
                OnnxGraph.ints("strides", conf.getStride()), padding);
        return new Tensor(Activations.apply(conf.getActivationFn(), name, conv, 4, graph), 4);
    }

    /** What convolution and pooling windows share: NCHW only, no dilation, and their padding. */
    static final class Windows {
        private Windows() {
        }

        /** @return the padding attribute for the layer's mode, after checking the layer's settings */
        static Onnx.AttributeProto check(String name, String what, Tensor input, CNN2DFormat format,
                                         ConvolutionMode mode, int[] dilation, int[] padding) {
            if (input.rank() != 4) {
                throw new NotExportableException(name, what, "its input has rank " + input.rank() + ", not images");
            }
            if (format != CNN2DFormat.NCHW) {
                throw new NotExportableException(name, what, "data format " + format + " (only NCHW is exported)");
            }
            if (Arrays.stream(dilation).anyMatch(d -> d != 1)) {
                throw new NotExportableException(name, what, "dilation " + Arrays.toString(dilation)
                        + " (only 1 is exported)");
            }
            return switch (mode) {
                case Same -> OnnxGraph.attr("auto_pad", "SAME_UPPER");
                case Truncate, Strict -> OnnxGraph.ints("pads", padding[0], padding[1], padding[0], padding[1]);
                default -> throw new NotExportableException(name, what, "convolution mode " + mode
                        + " (same, truncate and strict are exported)");
            };
        }
    }
}
