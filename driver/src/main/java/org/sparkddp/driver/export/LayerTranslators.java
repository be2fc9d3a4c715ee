package org.sparkddp.driver.export;

import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * Which translator writes which DL4J layer. Matched on the exact configuration class: a subclass (a 1-D or
 * transposed convolution, a center-loss output layer) computes something else and is refused, never exported as
 * its parent.
 */
final class LayerTranslators {
    private static final Map<Class<?>, LayerTranslator> BY_CLASS = Map.of(
            DenseLayer.class, new DenseTranslator(),
            OutputLayer.class, new DenseTranslator(),
            ConvolutionLayer.class, new ConvolutionTranslator(),
            SubsamplingLayer.class, new PoolingTranslator(),
            BatchNormalization.class, new BatchNormTranslator(),
            DropoutLayer.class, new DropoutTranslator(),
            ActivationLayer.class, new ActivationTranslator(),
            PReLULayer.class, new PReLUTranslator());

    private LayerTranslators() {
    }

    /** Writes {@code layer} after {@code input}; refuses a layer kind with no translator, naming the layer. */
    static Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        Class<?> kind = layer.conf().getLayer().getClass();
        LayerTranslator translator = BY_CLASS.get(kind);
        if (translator == null) {
            throw new NotExportableException(name, kind.getSimpleName(), "this layer kind has no ONNX translation"
                    + " here (exported: dense, output, convolution, pooling, batch norm, dropout, activation, PReLU)");
        }
        return translator.translate(name, layer, input, graph);
    }
}
