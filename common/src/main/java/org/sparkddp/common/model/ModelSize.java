package org.sparkddp.common.model;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.sparkddp.common.config.UpdaterSpec;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * How large a network is, read from its DL4J configuration without allocating it: the parameter count, the
 * optimizer values per parameter, and the activations one example makes. Runs on the driver, before anything is
 * allocated, so that a model too large for DL4J or for the executors' memory fails with one line, not a crash.
 *
 * @param parameters              trainable values, batch norm's running statistics included
 * @param optimizerValuesPerParam the optimizer's state per parameter: Adam 2, momentum, Nesterov, AdaGrad and
 *                                RMSProp 1, SGD 0 (batch norm's running statistics have none, so that the
 *                                optimizer state counted from it is an upper bound)
 * @param activationsPerExample   every layer's output values for one example (the input's included)
 * @param scratchPerExample       the CPU engine's native scratch per example: each convolution's im2col columns
 *                                ({@code C*kH*kW} values per output pixel; none for a 1x1 stride-1 one, whose input is
 *                                its own columns), which its backward pass reuses
 */
public record ModelSize(long parameters, int optimizerValuesPerParam, long activationsPerExample,
                        long scratchPerExample) {
    /** A size without engine scratch (no convolutions). */
    public ModelSize(long parameters, int optimizerValuesPerParam, long activationsPerExample) {
        this(parameters, optimizerValuesPerParam, activationsPerExample, 0);
    }

    /**
     * NOTE: DL4J 1.0.0-M2 addresses a network's flat parameter and updater vectors with int offsets (its updater
     * blocks' {@code ParamState} and view offsets), so neither may pass this many floats.
     */
    public static final long DL4J_MAX_FLOATS = Integer.MAX_VALUE;

    public static ModelSize of(NetworkSpec spec) {
        InputType input = NetworkFactory.inputType(spec);
        long params;
        long activations = input.arrayElementsPerExample();
        long scratch = 0;
        if (spec.model().isGraph()) {
            ComputationGraphConfiguration graph = NetworkFactory.graphConfiguration(spec);
            params = 0;
            for (GraphVertex vertex : graph.getVertices().values()) {
                params += vertex.numParams(true);
            }
            Map<String, InputType> types = graph.getLayerActivationTypes(input);
            for (Map.Entry<String, InputType> type : types.entrySet()) {
                if (!type.getKey().equals(LayerStack.INPUT)) {
                    activations += type.getValue().arrayElementsPerExample();
                }
            }
            for (Map.Entry<String, GraphVertex> vertex : graph.getVertices().entrySet()) {
                List<String> inputs = graph.getVertexInputs().get(vertex.getKey());
                if (vertex.getValue() instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layer && inputs != null
                        && inputs.size() == 1) {
                    InputType in = inputs.get(0).equals(LayerStack.INPUT) ? input : types.get(inputs.get(0));
                    scratch += im2colPerExample(layer.getLayerConf().getLayer(), in, types.get(vertex.getKey()));
                }
            }
        } else {
            MultiLayerConfiguration chain = NetworkFactory.configuration(spec);
            params = 0;
            for (NeuralNetConfiguration layer : chain.getConfs()) {
                params += layer.getLayer().initializer().numParams(layer);
            }
            List<InputType> types = chain.getLayerActivationTypes(input);
            for (InputType type : types) {
                activations += type.arrayElementsPerExample();
            }
            for (int i = 0; i < types.size(); i++) {
                scratch += im2colPerExample(chain.getConf(i).getLayer(), i == 0 ? input : types.get(i - 1),
                        types.get(i));
            }
        }
        // average mode's outer momentum adds one value per parameter to the optimizer state (OuterMomentumState)
        return new ModelSize(params, optimizerValues(spec.optimizer().updater()) + (spec.outerMomentum() ? 1 : 0),
                activations, scratch);
    }

    /**
     * The im2col columns the CPU engine's convolution keeps for one example: {@code C*kH*kW} values per output pixel
     * (see the engine's ConvOp), none for another layer or a 1x1 stride-1 convolution without padding.
     */
    static long im2colPerExample(org.deeplearning4j.nn.conf.layers.Layer layer, InputType in, InputType out) {
        if (!(layer instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conv)
                || !(out instanceof InputType.InputTypeConvolutional output)) {
            return 0;
        }
        long channels; // the first layer may see flat rows that a preprocessor views as images
        if (in instanceof InputType.InputTypeConvolutional image) {
            channels = image.getChannels();
        } else if (in instanceof InputType.InputTypeConvolutionalFlat flat) {
            channels = flat.getDepth();
        } else {
            return 0;
        }
        int[] k = conv.getKernelSize();
        int[] stride = conv.getStride();
        int[] pad = conv.getPadding();
        boolean pointwise = k[0] == 1 && k[1] == 1 && stride[0] == 1 && stride[1] == 1 && pad[0] == 0 && pad[1] == 0
                && conv.getConvolutionMode() != org.deeplearning4j.nn.conf.ConvolutionMode.Same;
        return pointwise ? 0 : channels * k[0] * k[1] * output.getHeight() * output.getWidth();
    }

    /** The optimizer's state per parameter, as DL4J's updaters keep it. */
    public static int optimizerValues(UpdaterSpec updater) {
        return switch (updater.name()) {
            case ADAM -> 2;
            case MOMENTUM, NESTEROV, ADAGRAD, RMSPROP -> 1;
            case SGD -> 0;
        };
    }

    /** Optimizer values in all: the updater state's length. */
    public long optimizerValues() {
        return parameters * optimizerValuesPerParam;
    }

    /**
     * Fails with one line naming the model's keys when DL4J cannot hold the network (see {@link #DL4J_MAX_FLOATS});
     * returns this size otherwise.
     */
    public ModelSize checkDl4jLimits() {
        if (parameters > DL4J_MAX_FLOATS || optimizerValues() > DL4J_MAX_FLOATS) {
            throw new InvalidConfigException("model.layers", String.format(java.util.Locale.ROOT, "the network has"
                    + " %,d parameters and %,d optimizer values, but DL4J indexes each of them with an int (at most"
                    + " %,d): use fewer or narrower layers", parameters, optimizerValues(), DL4J_MAX_FLOATS));
        }
        return this;
    }
}
