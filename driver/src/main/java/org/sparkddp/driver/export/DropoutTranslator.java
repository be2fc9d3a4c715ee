package org.sparkddp.driver.export;

import org.deeplearning4j.nn.api.Layer;

/**
 * A dropout layer: the identity at inference (DL4J's dropout is inverted, scaled during training, so nothing
 * remains to apply in {@code output()}). No node is written; the next layer reads the input directly.
 */
final class DropoutTranslator implements LayerTranslator {
    @Override
    public Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph) {
        return input;
    }
}
