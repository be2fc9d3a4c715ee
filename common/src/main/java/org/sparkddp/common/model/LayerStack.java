package org.sparkddp.common.model;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.weights.WeightInitConstant;
import org.sparkddp.common.config.ActivationName;
import org.sparkddp.common.config.LayerSpec;
import org.sparkddp.common.config.OutputSpec;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Translates {@code model.layers} into DL4J layers, once for both DL4J network types: it emits into a {@link Sink},
 * which is either a sequential {@code MultiLayerNetwork} list or a {@code ComputationGraph}. It follows the shape of
 * the activations from layer to layer, so that a layer that cannot follow its input (a convolution on a vector, a
 * pooling window larger than the image) is reported with its config key, before DL4J sees it.
 */
final class LayerStack {
    /** Where layers go. Names matter only to the graph; a sequential sink accepts only chains. */
    interface Sink {
        void layer(String name, Layer layer, InputPreProcessor preProcessor, String input);

        /** An element-wise sum of two nodes (a residual block's join). */
        void sum(String name, String a, String b);
    }

    static final String INPUT = "input";
    static final String OUTPUT = "output";

    private final Sink sink;
    private InputType shape;
    private String last = INPUT;
    /** Set by a flatten layer, applied to the next layer's input. */
    private InputPreProcessor pending;

    LayerStack(Sink sink, InputType input) {
        this.sink = sink;
        this.shape = input;
    }

    void add(LayerSpec spec, int index) {
        String name = "l" + index;
        if (spec instanceof LayerSpec.Dense d) {
            emit(d.key(), name, new DenseLayer.Builder().nOut(d.units()).activation(d.activation().dl4j()).build());
            prelu(d.key(), name, d.activation());
        } else if (spec instanceof LayerSpec.Conv c) {
            requireImage(c.key(), c.type());
            requireWindow(c.key(), c.type(), c.kernel(), c.padding() == LayerSpec.Conv.SAME ? c.kernel() : c.padding());
            ConvolutionLayer.Builder conv = new ConvolutionLayer.Builder(c.kernel(), c.kernel())
                    .stride(c.stride(), c.stride()).nOut(c.filters()).activation(c.activation().dl4j());
            if (c.padding() == LayerSpec.Conv.SAME) {
                conv.convolutionMode(ConvolutionMode.Same);
            } else {
                conv.convolutionMode(ConvolutionMode.Truncate).padding(c.padding(), c.padding());
            }
            emit(c.key(), name, conv.build());
            prelu(c.key(), name, c.activation());
        } else if (spec instanceof LayerSpec.Pool p) {
            requireImage(p.key(), p.type());
            requireWindow(p.key(), p.type(), p.kernel(), 0);
            emit(p.key(), name, new SubsamplingLayer.Builder(p.max()
                    ? SubsamplingLayer.PoolingType.MAX : SubsamplingLayer.PoolingType.AVG)
                    .kernelSize(p.kernel(), p.kernel()).stride(p.stride(), p.stride())
                    .convolutionMode(ConvolutionMode.Truncate).build());
        } else if (spec instanceof LayerSpec.BatchNorm b) {
            emit(b.key(), name, batchNorm(b.decay(), b.epsilon()));
        } else if (spec instanceof LayerSpec.Dropout d) {
            // NOTE: DL4J's argument is the probability of keeping a unit, the complement of the rate.
            emit(d.key(), name, new DropoutLayer.Builder(1.0 - d.rate()).build());
        } else if (spec instanceof LayerSpec.Flatten f) {
            requireImage(f.key(), f.type());
            if (shape instanceof InputType.InputTypeConvolutional image) {
                pending = new CnnToFeedForwardPreProcessor(image.getHeight(), image.getWidth(), image.getChannels());
                shape = pending.getOutputType(shape);
            } // else the input itself, still flat: nothing to do
        } else if (spec instanceof LayerSpec.Residual r) {
            ResidualBlock.add(this, r, name);
        } else {
            throw new IllegalStateException("no translation for layer type " + spec.type());
        }
    }

    void output(OutputSpec output, int numOutputs) {
        emit("model.output", OUTPUT, new OutputLayer.Builder(output.loss().dl4j())
                .activation(output.activation().dl4j()).nOut(numOutputs).build());
    }

    /** Adds {@code layer} after the current node, and makes it current. */
    void emit(String key, String name, Layer layer) {
        InputType in = shape;
        // A flatten layer's preprocessor is given explicitly (its shape is already the flat one); DL4J infers others.
        InputPreProcessor explicit = pending;
        pending = null;
        try {
            InputPreProcessor inferred = explicit == null ? layer.getPreProcessorForInputType(in) : null;
            InputType seen = inferred == null ? in : inferred.getOutputType(in);
            layer.setNIn(seen, false);
            shape = layer.getOutputType(-1, seen);
        } catch (RuntimeException e) {
            throw new InvalidConfigException(key, "a " + layer.getClass().getSimpleName()
                    + " cannot follow an input of shape " + in + ": " + e.getMessage());
        }
        sink.layer(name, layer, explicit, last);
        last = name;
    }

    /** The PReLU layer that follows a layer whose activation is prelu; its slopes are per unit or per channel. */
    void prelu(String key, String after, ActivationName activation) {
        if (!activation.learnable()) {
            return;
        }
        // NOTE: DL4J does not infer a PReLU layer's input shape, so it is given from the shape followed here.
        PReLULayer.Builder prelu = new PReLULayer.Builder().weightInit(new WeightInitConstant(0.25));
        if (shape instanceof InputType.InputTypeConvolutional image) {
            prelu.inputShape(image.getChannels(), image.getHeight(), image.getWidth())
                    .sharedAxes(2, 3); // one slope per channel, shared over height and width (He et al. 2015)
        } else {
            prelu.inputShape(shape.arrayElementsPerExample());
        }
        emit(key, after + ".prelu", prelu.build());
    }

    /** Applies a hidden activation as a layer of its own (after a sum, where no layer carries it). */
    void activation(String key, String name, ActivationName activation) {
        if (activation.learnable()) {
            emit(key, name, new ActivationLayer.Builder().activation(ActivationName.IDENTITY.dl4j()).build());
            prelu(key, name, activation);
        } else {
            emit(key, name, new ActivationLayer.Builder().activation(activation.dl4j()).build());
        }
    }

    static BatchNormalization batchNorm(double decay, double epsilon) {
        // NOTE: no gradient clipping here: the "gradients" of the running mean and variance are the updates of
        // running averages, not gradients, and clipping them by the layer's norm would corrupt the statistics.
        return new BatchNormalization.Builder().decay(decay).eps(epsilon)
                .gradientNormalization(GradientNormalization.None).build();
    }

    void requireImage(String key, String type) {
        if (shape.getType() != InputType.Type.CNN && shape.getType() != InputType.Type.CNNFlat) {
            throw new InvalidConfigException(key, "a " + type + " layer needs image input (channels x height x width),"
                    + " but its input is " + shape + (pending == null && last.equals(INPUT)
                    ? ": the data has no image shape" : ""));
        }
    }

    /** A window must fit the image (DL4J would silently produce an empty output in truncate mode). */
    private void requireWindow(String key, String type, int kernel, int padding) {
        long height;
        long width;
        if (shape instanceof InputType.InputTypeConvolutional image) {
            height = image.getHeight();
            width = image.getWidth();
        } else {
            InputType.InputTypeConvolutionalFlat flat = (InputType.InputTypeConvolutionalFlat) shape;
            height = flat.getHeight();
            width = flat.getWidth();
        }
        if (kernel > Math.min(height, width) + 2L * padding) {
            throw new InvalidConfigException(key, "a " + type + " window of " + kernel + " does not fit its " + height
                    + " x " + width + " input" + (padding > 0 ? " (padded by " + padding + ")" : ""));
        }
    }

    void sum(String name, String a, String b) {
        sink.sum(name, a, b);
        last = name;
    }

    InputType shape() {
        return shape;
    }

    void shape(InputType newShape, String node) {
        shape = newShape;
        last = node;
    }

    String last() {
        return last;
    }
}
