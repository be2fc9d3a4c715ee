package org.sparkddp.bench;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;

/**
 * A network's arithmetic per training example, counted analytically from its DL4J configuration, so that every
 * samples/s figure can also be read as GFLOP/s. Counts the multiply-adds of the dense and convolution layers (the
 * matrix products); batch norm, pooling, activations, dropout and the loss are left out (under 1% of the MLP's and
 * the CNN's work). One training example costs 2 FLOP per multiply-add forward, and backward twice the forward (the
 * gradient for the input and for the weights): 3 x 2 x MACs. NOTE: the first layer needs no input gradient, so the
 * true backward cost is a little lower; the convention matches how PyTorch and the issue count. Runs on the
 * benchmark's driver.
 */
final class ModelFlops {
    private ModelFlops() {
    }

    /** Multiply-adds of one example's forward pass. */
    static long forwardMacs(NetworkSpec spec) {
        MultiLayerConfiguration conf = NetworkFactory.configuration(spec);
        List<Integer> shape = spec.inputShape();
        InputType input = shape.size() == 3 ? InputType.convolutionalFlat(shape.get(1), shape.get(2), shape.get(0))
                : InputType.feedForward(shape.get(0));
        List<InputType> outputs = conf.getLayerActivationTypes(input);
        long macs = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            Layer layer = conf.getConf(i).getLayer();
            if (layer instanceof ConvolutionLayer conv) {
                InputType.InputTypeConvolutional out = (InputType.InputTypeConvolutional) outputs.get(i);
                int[] kernel = conv.getKernelSize();
                macs += out.getHeight() * out.getWidth() * conv.getNOut() * conv.getNIn() * kernel[0] * kernel[1];
            } else if (layer instanceof FeedForwardLayer dense
                    && !(layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization)) {
                macs += dense.getNIn() * dense.getNOut();
            }
        }
        return macs;
    }

    /** FLOPs of one example's forward and backward pass: 3 x 2 x {@link #forwardMacs}. */
    static long trainingFlops(NetworkSpec spec) {
        return 6 * forwardMacs(spec);
    }
}
