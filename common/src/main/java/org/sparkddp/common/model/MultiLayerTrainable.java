package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TrainableNetwork} over a DL4J {@link MultiLayerNetwork} (a chain of layers). */
final class MultiLayerTrainable extends Dl4jTrainable {
    private final MultiLayerNetwork network;

    MultiLayerTrainable(MultiLayerNetwork network, int numInputs, int numOutputs) {
        super(network, (BaseMultiLayerUpdater<?>) network.getUpdater(true), numInputs, numOutputs);
        this.network = network;
    }

    @Override
    void forwardBackward(INDArray features, INDArray labels) {
        // The field is not yet set while the base constructor primes the gradient.
        MultiLayerNetwork net = (MultiLayerNetwork) dl4jModel();
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
    }

    @Override
    Layer[] layers() {
        return network.getLayers();
    }

    @Override
    public INDArray output(INDArray features) {
        return network.output(features, false);
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        network.setIterationCount(Math.toIntExact(iteration));
        network.setEpochCount(epoch);
    }
}
