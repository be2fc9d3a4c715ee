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
 */
public record ModelSize(long parameters, int optimizerValuesPerParam, long activationsPerExample) {
    /**
     * NOTE: DL4J 1.0.0-M2 addresses a network's flat parameter and updater vectors with int offsets (its updater
     * blocks' {@code ParamState} and view offsets), so neither may pass this many floats.
     */
    public static final long DL4J_MAX_FLOATS = Integer.MAX_VALUE;

    public static ModelSize of(NetworkSpec spec) {
        InputType input = NetworkFactory.inputType(spec);
        long params;
        long activations = input.arrayElementsPerExample();
        if (spec.model().isGraph()) {
            ComputationGraphConfiguration graph = NetworkFactory.graphConfiguration(spec);
            params = 0;
            for (GraphVertex vertex : graph.getVertices().values()) {
                params += vertex.numParams(true);
            }
            for (Map.Entry<String, InputType> type : graph.getLayerActivationTypes(input).entrySet()) {
                if (!type.getKey().equals(LayerStack.INPUT)) {
                    activations += type.getValue().arrayElementsPerExample();
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
        }
        // average mode's outer momentum adds one value per parameter to the optimizer state (OuterMomentumState)
        return new ModelSize(params, optimizerValues(spec.optimizer().updater()) + (spec.outerMomentum() ? 1 : 0),
                activations);
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
