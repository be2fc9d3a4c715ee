package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TrainableNetwork} over a DL4J {@link MultiLayerNetwork} (a chain of layers). */
final class MultiLayerTrainable extends Dl4jTrainable<MultiLayerNetwork> {
    MultiLayerTrainable(MultiLayerNetwork network, int numInputs, int numOutputs) {
        this(network, numInputs, numOutputs, null);
    }

    /** @param extendedState the optimizer state with the outer momentum ({@link OuterMomentumState}), or null */
    MultiLayerTrainable(MultiLayerNetwork network, int numInputs, int numOutputs, INDArray extendedState) {
        super(network, (BaseMultiLayerUpdater<?>) network.getUpdater(true), numInputs, numOutputs, extendedState);
    }

    @Override
    void forwardBackward(INDArray features, INDArray labels) {
        model.setInput(features);
        model.setLabels(labels);
        model.computeGradientAndScore();
    }

    @Override
    Layer[] layers() {
        return model.getLayers();
    }

    @Override
    public INDArray output(INDArray features) {
        return model.output(features, false);
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        model.setIterationCount(Math.toIntExact(iteration));
        model.setEpochCount(epoch);
    }
}
