package org.sparkddp.common.model;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkddp.common.config.OptimizerConfig;

/**
 * Builds the DL4J network a {@link NetworkSpec} describes. Deterministic: the same spec gives the same
 * configuration on the driver, on every executor and in the single-machine reference.
 */
public final class NetworkFactory {
    private NetworkFactory() {
    }

    public static MultiLayerConfiguration configuration(NetworkSpec spec) {
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(updater(spec.optimizer()))
                .list();
        List<Integer> hidden = spec.model().hidden();
        Activation activation = spec.model().activation().dl4j();
        int inputs = spec.numInputs();
        for (int size : hidden) {
            layers.layer(new DenseLayer.Builder().nIn(inputs).nOut(size).activation(activation).build());
            inputs = size;
        }
        layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(inputs).nOut(spec.numClasses()).activation(Activation.SOFTMAX).build());
        return layers.build();
    }

    /** A new network with freshly initialized weights (from the spec's seed). */
    public static TrainableNetwork build(NetworkSpec spec) {
        MultiLayerNetwork network = new MultiLayerNetwork(configuration(spec));
        network.init();
        return new MultiLayerTrainable(network);
    }

    static IUpdater updater(OptimizerConfig optimizer) {
        return switch (optimizer.name()) {
            case SGD -> new Sgd(optimizer.learningRate());
            case ADAM -> new Adam(optimizer.learningRate());
        };
    }
}
