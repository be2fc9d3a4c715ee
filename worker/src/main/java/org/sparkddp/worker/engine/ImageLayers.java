package org.sparkddp.worker.engine;

import org.deeplearning4j.nn.api.Layer;

/**
 * Compiles DL4J's image layers (convolution, pooling, batch norm, PReLU) into engine layers.
 *
 * <p>TEMPORARY: none is covered yet; networks with them train on DL4J's layers, with the fallback line.
 */
final class ImageLayers {
    private ImageLayers() {
    }

    static EngineLayer compile(Layer layer, Shape in, String where) throws Uncovered {
        throw new Uncovered(where + ": not covered yet");
    }
}
