package org.sparkddp.driver.export;

import java.util.List;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;

/**
 * DL4J's activation functions as ONNX operators: the ones spark-ddp configs offer (relu, leaky-relu, elu, tanh,
 * sigmoid, softmax, identity; PReLU is a layer, see {@link PReLUTranslator}). Any other, or one with settings ONNX's
 * operator does not share (a capped or thresholded ReLU), is refused with the layer's name.
 */
final class Activations {
    private Activations() {
    }

    /**
     * Applies {@code fn} to {@code input}.
     *
     * @param rank the rank of the activations (softmax is exported over the features of 2-D rows only)
     * @return the output tensor's name ({@code input} itself for the identity)
     */
    static String apply(IActivation fn, String layer, String input, int rank, OnnxGraph graph) {
        List<String> in = List.of(input);
        if (fn instanceof ActivationIdentity) {
            return input;
        }
        if (fn instanceof ActivationReLU relu) {
            if (relu.getMax() != null || nonZero(relu.getThreshold()) || nonZero(relu.getNegativeSlope())) {
                throw new NotExportableException(layer, "activation " + fn, "a ReLU with a cap, threshold or"
                        + " negative slope has no ONNX operator of its own here");
            }
            return graph.node("Relu", layer, in);
        }
        if (fn instanceof ActivationLReLU leaky) {
            return graph.node("LeakyRelu", layer, in, OnnxGraph.attr("alpha", (float) leaky.getAlpha()));
        }
        if (fn instanceof ActivationELU elu) {
            return graph.node("Elu", layer, in, OnnxGraph.attr("alpha", (float) elu.getAlpha()));
        }
        if (fn instanceof ActivationTanH) {
            return graph.node("Tanh", layer, in);
        }
        if (fn instanceof ActivationSigmoid) {
            return graph.node("Sigmoid", layer, in);
        }
        if (fn instanceof ActivationSoftmax) {
            if (rank != 2) {
                throw new NotExportableException(layer, "activation softmax", "softmax is exported over the"
                        + " features of rows only, but this layer's activations have rank " + rank);
            }
            return graph.node("Softmax", layer, in, OnnxGraph.attr("axis", 1L));
        }
        throw new NotExportableException(layer, "activation " + fn, "this activation has no ONNX translation here");
    }

    private static boolean nonZero(Double value) {
        return value != null && value != 0.0;
    }
}
