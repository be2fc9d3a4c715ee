package org.sparkddp.driver.export;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;

/** An activation layer (a residual block's activation after its sum): the activation alone. */
final class ActivationTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        ActivationLayer conf = (ActivationLayer) layer.conf().getLayer();
        return new Tensor(Activations.apply(conf.getActivationFn(), name, input.name(), input.rank(), graph),
                input.rank());
    }
}
