package org.sparkddp.driver.export;

import java.util.List;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;

/**
 * The reshapes DL4J puts before a layer: flat rows to NCHW images before the first convolution, images to rows
 * before a dense layer. Both keep DL4J's C order (channels, then rows of pixels), which is ONNX's {@code Reshape} and
 * {@code Flatten} order. Like DL4J's own, each passes through an input that already has its output's rank.
 */
final class PreProcessors {
    private PreProcessors() {
    }

    /** @param layer the layer the preprocessor belongs to, for node names and messages */
    static Tensor apply(InputPreProcessor preProcessor, String layer, Tensor input, OnnxGraph graph) {
        if (preProcessor == null) {
            return input;
        }
        if (preProcessor instanceof FeedForwardToCnnPreProcessor toImage
                && preProcessor.getClass() == FeedForwardToCnnPreProcessor.class) {
            if (input.rank() == 4) {
                return input;
            }
            String shape = graph.int64s(layer + "/image_shape", -1, toImage.getNumChannels(),
                    toImage.getInputHeight(), toImage.getInputWidth());
            return new Tensor(graph.node("Reshape", layer, List.of(input.name(), shape)), 4);
        }
        if (preProcessor instanceof CnnToFeedForwardPreProcessor toRows
                && preProcessor.getClass() == CnnToFeedForwardPreProcessor.class) {
            if (toRows.getFormat() != CNN2DFormat.NCHW) {
                throw new NotExportableException(layer, "CnnToFeedForwardPreProcessor", "data format "
                        + toRows.getFormat() + " (only NCHW is exported)");
            }
            if (input.rank() == 2) {
                return input;
            }
            return new Tensor(graph.node("Flatten", layer, List.of(input.name()), OnnxGraph.attr("axis", 1L)), 2);
        }
        throw new NotExportableException(layer, preProcessor.getClass().getSimpleName(),
                "this input preprocessor has no ONNX translation here");
    }

    /** The width of the flat input rows a layer with this preprocessor takes, if the preprocessor decides it. */
    static long inputWidth(InputPreProcessor preProcessor) {
        return preProcessor instanceof FeedForwardToCnnPreProcessor toImage
                ? toImage.getNumChannels() * toImage.getInputHeight() * toImage.getInputWidth() : -1;
    }
}
