package org.sparkddp.common.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.Activation;
import org.sparkddp.common.config.LayerSpec;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * A residual block (He et al. 2016, "Deep Residual Learning for Image Recognition"): conv - bn - activation - conv - bn
 * on the main path, the identity or a projection (1x1 conv - bn) on the shortcut, their sum, then the activation. Both
 * convolutions use "same" padding and the first one carries the stride, so the shapes of the two paths agree. Its
 * batch norms use DL4J's defaults (decay 0.9, epsilon 1e-5).
 */
final class ResidualBlock {
    /** DL4J's own batch-norm defaults. */
    private static final double DL4J_DECAY = 0.9;
    private static final double DL4J_EPSILON = 1e-5;

    private ResidualBlock() {
    }

    static void add(LayerStack stack, LayerSpec.Residual r, String name) {
        stack.requireImage(r.key(), r.type());
        String input = stack.last();
        InputType inShape = stack.shape();
        boolean projection = projection(r, inShape);

        // NOTE: the shortcut is added first, so that the order the graph is written in is already a topological
        // order; DL4J's GradientCheckUtil names parameters by the written order, so the checks find the right ones.
        String shortcut = input;
        if (projection) {
            stack.emit(r.key(), name + ".proj", conv(r.filters(), 1, r.stride()));
            stack.emit(r.key(), name + ".projbn", LayerStack.batchNorm(DL4J_DECAY, DL4J_EPSILON));
            shortcut = stack.last();
            stack.shape(inShape, input);
        }
        stack.emit(r.key(), name + ".conv1", conv(r.filters(), r.kernel(), r.stride()));
        stack.emit(r.key(), name + ".bn1", LayerStack.batchNorm(DL4J_DECAY, DL4J_EPSILON));
        stack.activation(r.key(), name + ".act1", r.activation());
        stack.emit(r.key(), name + ".conv2", conv(r.filters(), r.kernel(), 1));
        stack.emit(r.key(), name + ".bn2", LayerStack.batchNorm(DL4J_DECAY, DL4J_EPSILON));
        String main = stack.last();
        InputType mainShape = stack.shape();
        stack.sum(name + ".sum", main, shortcut);
        stack.shape(mainShape, name + ".sum");
        stack.activation(r.key(), name + ".out", r.activation());
    }

    /** Whether the shortcut must (or was asked to) change the shape: identity needs equal shapes on both paths. */
    private static boolean projection(LayerSpec.Residual r, InputType in) {
        boolean sameShape = r.stride() == 1 && in instanceof InputType.InputTypeConvolutional image
                && image.getChannels() == r.filters();
        return switch (r.shortcut()) {
            case AUTO -> !sameShape;
            case PROJECTION -> true;
            case IDENTITY -> {
                if (!sameShape) {
                    throw new InvalidConfigException(r.key() + ".shortcut", "identity needs the block's input and"
                            + " output to have the same shape, but the input is " + in + " and the block has "
                            + r.filters() + " filters and stride " + r.stride() + ": use projection or auto");
                }
                yield false;
            }
        };
    }

    private static ConvolutionLayer conv(int filters, int kernel, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(filters)
                .activation(Activation.IDENTITY).convolutionMode(ConvolutionMode.Same).build();
    }
}
