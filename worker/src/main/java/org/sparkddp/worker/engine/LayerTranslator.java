package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * Translates one DL4J layer (with the preprocessor before it) into engine layers, over the network's own parameter
 * and gradient views. Reads DL4J's configuration, not the user's, so that the engine computes what DL4J would;
 * anything it does not know (a layer type, an activation, a preprocessor, per-layer dropout, weight noise) is
 * reported as {@link Uncovered}, never approximated. Runs on an executor, once per replica.
 */
final class LayerTranslator {
    private final List<EngineLayer> layers = new ArrayList<>();
    private Shape shape;
    private final ImageLayout layout;
    /** The output layer's loss, once the output layer is translated. */
    private OutputLoss loss;

    private LayerTranslator(Shape input, ImageLayout layout) {
        this.shape = input;
        this.layout = layout;
    }

    /** The output of one translation: the engine layers in order (maybe none), and the loss for the output layer. */
    record Translation(List<EngineLayer> layers, Shape out, OutputLoss loss) {
    }

    /**
     * Translates {@code layer}, whose input (before {@code pre}) has shape {@code in}.
     *
     * @param output whether this is the network's output layer (an {@code OutputLayer}, whose loss is returned)
     * @param layout the compiled network's layout of images
     * @param where  names the layer in an {@link Uncovered} message
     */
    static Translation translate(Layer layer, InputPreProcessor pre, Shape in, boolean output, ImageLayout layout,
                                 String where) throws Uncovered {
        LayerTranslator t = new LayerTranslator(in, layout);
        try {
            t.preProcessor(pre, where);
            t.layer(layer, output, where);
        } catch (Uncovered | RuntimeException e) {
            t.layers.forEach(EngineLayer::close);
            throw e;
        }
        return new Translation(List.copyOf(t.layers), t.shape, t.loss);
    }

    private void layer(Layer dl4j, boolean output, String where) throws Uncovered {
        org.deeplearning4j.nn.conf.layers.Layer layer = dl4j.conf().getLayer();
        if (layer.getIDropout() != null && !(layer instanceof DropoutLayer)) {
            throw new Uncovered(where + ": dropout on a layer's input");
        }
        if (layer instanceof BaseLayer base && base.getWeightNoise() != null) {
            throw new Uncovered(where + ": weight noise");
        }
        if (output) {
            if (!(layer instanceof OutputLayer out)) {
                throw new Uncovered(where + ": the last layer is not an OutputLayer");
            }
            dense(dl4j, where);
            loss = loss(out.getLossFn(), out.getActivationFn(), where);
        } else if (layer instanceof OutputLayer) {
            throw new Uncovered(where + ": an output layer before the last");
        } else if (layer instanceof DenseLayer dense) {
            dense(dl4j, where);
            activation(dense.getActivationFn(), where);
        } else if (layer instanceof DropoutLayer) {
            dropout(layer, where);
        } else if (layer instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer a) {
            activation(a.getActivationFn(), where);
        } else if (layer instanceof ConvolutionLayer || layer instanceof SubsamplingLayer
                || layer instanceof BatchNormalization || layer instanceof PReLULayer) {
            for (EngineLayer image : ImageLayers.compile(dl4j, shape, layout, where)) {
                add(image);
            }
        } else {
            throw new Uncovered(where + ": no engine layer of this type");
        }
    }

    private void add(EngineLayer layer) {
        layers.add(layer);
        shape = layer.out();
    }

    private void preProcessor(InputPreProcessor pre, String where) throws Uncovered {
        if (pre == null) {
            return;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor && shape.image()) {
            if (layout == ImageLayout.NCHW) {
                shape = Shape.vector(shape.size()); // an NCHW image already is DL4J's row
            } else {
                add(new FlattenOp(shape, true));
            }
        } else if (pre instanceof FeedForwardToCnnPreProcessor f && !shape.image()
                && f.getNumChannels() * f.getInputHeight() * f.getInputWidth() == shape.size()) {
            Shape image = Shape.image((int) f.getNumChannels(), (int) f.getInputHeight(), (int) f.getInputWidth());
            if (image.channels() == 1 || layout == ImageLayout.NCHW) {
                shape = image; // rows already are NCHW, and with one channel channel-major too
            } else {
                add(new FlattenOp(image, false));
            }
        } else {
            throw new Uncovered(where + ": input preprocessor " + pre.getClass().getSimpleName() + " on " + shape);
        }
    }

    private void dense(Layer layer, String where) throws Uncovered {
        if (shape.image()) {
            throw new Uncovered(where + ": a dense layer on an image without a flatten");
        }
        INDArray w = layer.getParam("W");
        int nIn = Math.toIntExact(w.size(0));
        int nOut = Math.toIntExact(w.size(1));
        if (nIn != shape.size() || w.ordering() != 'f') {
            throw new Uncovered(where + ": weights of shape " + java.util.Arrays.toString(w.shape()) + " order "
                    + w.ordering() + " after an input of " + shape);
        }
        Map<String, INDArray> grads = gradients(layer);
        add(new DenseOp(nIn, nOut, NativeFloats.of(w), NativeFloats.of(layer.getParam("b")),
                NativeFloats.of(grads.get("W")), NativeFloats.of(grads.get("b"))));
    }

    /** The layer's gradient views, by parameter name: slices of the network's flat gradient vector. */
    static Map<String, INDArray> gradients(Layer layer) {
        return layer.conf().getLayer().initializer().getGradientsFromFlattened(layer.conf(),
                layer.getGradientsViewArray());
    }

    private void dropout(org.deeplearning4j.nn.conf.layers.Layer layer, String where) throws Uncovered {
        if (!(layer.getIDropout() instanceof Dropout d) || d.getPSchedule() != null) {
            throw new Uncovered(where + ": dropout of kind " + layer.getIDropout());
        }
        add(new DropoutOp(shape, d.getP(), layout));
    }

    private void activation(IActivation fn, String where) throws Uncovered {
        ActivationOp op = activationOp(fn, shape, where);
        if (op != null) {
            add(op);
        }
    }

    /** The engine's step for a hidden activation on {@code shape}, or null for the identity (no step). */
    static ActivationOp activationOp(IActivation fn, Shape shape, String where) throws Uncovered {
        Activation a;
        double alpha = 0;
        if (fn instanceof ActivationIdentity) {
            return null;
        } else if (fn instanceof ActivationReLU relu && relu.equals(new ActivationReLU())) {
            a = Activation.RELU;
        } else if (fn instanceof ActivationLReLU l) {
            a = Activation.LEAKY_RELU;
            alpha = l.getAlpha();
        } else if (fn instanceof ActivationELU e) {
            a = Activation.ELU;
            alpha = e.getAlpha();
        } else if (fn instanceof ActivationTanH) {
            a = Activation.TANH;
        } else if (fn instanceof ActivationSigmoid) {
            a = Activation.SIGMOID;
        } else {
            throw new Uncovered(where + ": activation " + fn);
        }
        return new ActivationOp(shape, a, alpha);
    }

    private static OutputLoss loss(ILossFunction fn, IActivation activation, String where) throws Uncovered {
        if (fn instanceof LossMCXENT mc && mc.getWeights() == null && mc.getSoftmaxClipEps() == 1e-10
                && activation instanceof ActivationSoftmax && fn.getClass() == LossMCXENT.class) {
            return OutputLoss.SOFTMAX_CROSS_ENTROPY;
        }
        if (fn instanceof LossBinaryXENT x && x.getWeights() == null && x.getClipEps() == 1e-5
                && activation instanceof ActivationSigmoid) {
            return OutputLoss.SIGMOID_BINARY_CROSS_ENTROPY;
        }
        if (fn instanceof LossMSE m && m.getWeights() == null && activation instanceof ActivationIdentity) {
            return OutputLoss.IDENTITY_MSE;
        }
        throw new Uncovered(where + ": loss " + fn + " with output activation " + activation);
    }
}
