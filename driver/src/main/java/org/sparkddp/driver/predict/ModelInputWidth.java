package org.sparkddp.driver.predict;

import java.util.Map;
import java.util.OptionalInt;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.driver.output.ModelArchive;

/**
 * How many features a saved network takes per example. model.zip does not record it, so it is read off the first
 * layer: its {@code nIn}, or, for images given as flat rows, the height x width x channels of the preprocessor
 * before it. Runs on the driver, before any data is read, so that a file of the wrong width fails at once (predict,
 * and evaluate: before the labels, which a model of the wrong width would have other classes for).
 */
public final class ModelInputWidth {
    private ModelInputWidth() {
    }

    /** The width, or empty where the first layer does not say it. */
    public static OptionalInt of(ModelArchive.Restored model) {
        OptionalInt width = model.network() instanceof MultiLayerNetwork net
                ? width(net.getLayerWiseConfigurations().getInputPreProcess(0),
                        net.getLayerWiseConfigurations().getConf(0))
                : graphWidth((ComputationGraph) model.network());
        // NOTE: the width is confirmed on one row of zeros, so that a layer type read wrongly here cannot pass.
        if (width.isPresent() && !accepts(model, width.getAsInt())) {
            return OptionalInt.empty();
        }
        return width;
    }

    /** Whether the network computes an output for a row of {@code width} features. */
    static boolean accepts(ModelArchive.Restored model, int width) {
        try {
            model.output(Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, width));
            return true;
        } catch (RuntimeException e) { // DL4J's IllegalStateException / DL4JInvalidInputException for a bad width
            return false;
        }
    }

    private static OptionalInt graphWidth(ComputationGraph graph) {
        var conf = graph.getConfiguration();
        String input = conf.getNetworkInputs().get(0);
        for (Map.Entry<String, java.util.List<String>> e : conf.getVertexInputs().entrySet()) {
            GraphVertex vertex = conf.getVertices().get(e.getKey());
            if (e.getValue().contains(input) && vertex instanceof LayerVertex layer) {
                return width(layer.getPreProcessor(), layer.getLayerConf());
            }
        }
        return OptionalInt.empty();
    }

    private static OptionalInt width(InputPreProcessor pre, NeuralNetConfiguration first) {
        if (pre instanceof FeedForwardToCnnPreProcessor image) {
            return OptionalInt.of(Math.toIntExact(image.getInputHeight() * image.getInputWidth()
                    * image.getNumChannels()));
        }
        if (first.getLayer() instanceof FeedForwardLayer dense && dense.getNIn() > 0) {
            return OptionalInt.of(Math.toIntExact(dense.getNIn()));
        }
        return OptionalInt.empty();
    }
}
