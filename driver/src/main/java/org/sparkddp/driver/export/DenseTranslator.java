package org.sparkddp.driver.export;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;

/**
 * A dense layer or an output layer: {@code Gemm(x, W, b)} then the activation. DL4J keeps {@code W} as
 * {@code [nIn, nOut]}, the layout Gemm takes without a transpose. The output layer's loss plays no part in
 * {@code output()}, so any loss exports.
 */
final class DenseTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        BaseLayer conf = (BaseLayer) layer.conf().getLayer();
        String what = conf.getClass().getSimpleName();
        if (input.rank() != 2) {
            throw new NotExportableException(name, what, "its input has rank " + input.rank() + ", not rows");
        }
        if (conf instanceof DenseLayer dense && dense.hasLayerNorm()) {
            throw new NotExportableException(name, what, "layer normalization inside a dense layer is not exported");
        }
        List<String> inputs = new ArrayList<>(List.of(input.name(), graph.weights(name + "/W",
                LayerTranslator.param(name, layer, "W"))));
        if (layer.paramTable().containsKey("b")) {
            inputs.add(graph.weights(name + "/b", LayerTranslator.vector(name, layer, "b")));
        }
        String product = graph.node("Gemm", name, inputs);
        return new Tensor(Activations.apply(conf.getActivationFn(), name, product, 2, graph), 2);
    }
}
