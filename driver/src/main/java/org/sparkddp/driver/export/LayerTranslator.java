package org.sparkddp.driver.export;

import org.deeplearning4j.nn.api.Layer;

/**
 * Writes one kind of DL4J layer, in inference form, as ONNX nodes. One implementation per layer kind; each checks
 * every setting that changes what the layer computes and refuses (with {@link NotExportableException}) those it
 * cannot express, so an exported graph computes what DL4J's {@code output()} computes or is not written at all.
 */
interface LayerTranslator {
    /**
     * @param name  the layer's name in the network, for node names and messages
     * @param layer the layer with its trained parameters
     * @param input the layer's input, after its preprocessor
     * @return the layer's output
     */
    Tensor translate(String name, Layer layer, Tensor input, OnnxGraph graph);

    /** A parameter as DL4J holds it, by its key (e.g. {@code W}, {@code b}). */
    static org.nd4j.linalg.api.ndarray.INDArray param(String name, Layer layer, String key) {
        org.nd4j.linalg.api.ndarray.INDArray value = layer.paramTable().get(key);
        if (value == null) {
            throw new NotExportableException(name, layer.conf().getLayer().getClass().getSimpleName(),
                    "it has no parameter '" + key + "'");
        }
        return value;
    }

    /** A bias or per-channel vector ({@code [1, n]} in DL4J) as ONNX's 1-D {@code [n]}. */
    static org.nd4j.linalg.api.ndarray.INDArray vector(String name, Layer layer, String key) {
        org.nd4j.linalg.api.ndarray.INDArray value = param(name, layer, key);
        return value.reshape(value.length());
    }
}
