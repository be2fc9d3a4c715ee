package org.sparkddp.driver.export;

import java.util.List;
import org.deeplearning4j.nn.api.Layer;

/**
 * A PReLU layer (He et al. 2015): ONNX {@code PRelu} with DL4J's learned slopes. DL4J keeps them in the shape of one
 * example with the shared axes of size 1 ({@code [channels, 1, 1]} for images, {@code [features]} for rows), which
 * ONNX broadcasts over the batch the same way.
 */
final class PReLUTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        org.nd4j.linalg.api.ndarray.INDArray alpha = LayerTranslator.param(name, layer, "W");
        if (alpha.rank() != input.rank() - 1) {
            throw new NotExportableException(name, "PReLULayer", "slopes of shape "
                    + java.util.Arrays.toString(alpha.shape()) + " for an input of rank " + input.rank());
        }
        String slopes = graph.weights(name + "/alpha", alpha);
        return new Tensor(graph.node("PRelu", name, List.of(input.name(), slopes)), input.rank());
    }
}
