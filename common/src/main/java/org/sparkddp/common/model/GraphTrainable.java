package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TrainableNetwork} over a DL4J {@link ComputationGraph} with one input and one output (residual networks). */
final class GraphTrainable extends Dl4jTrainable<ComputationGraph> {
    GraphTrainable(ComputationGraph graph, int numInputs, int numOutputs) {
        this(graph, numInputs, numOutputs, null);
    }

    /** @param extendedState the optimizer state with the outer momentum ({@link OuterMomentumState}), or null */
    GraphTrainable(ComputationGraph graph, int numInputs, int numOutputs, INDArray extendedState) {
        super(graph, graph.getUpdater(true), numInputs, numOutputs, extendedState);
    }

    @Override
    void forwardBackward(INDArray features, INDArray labels) {
        model.setInputs(features);
        model.setLabels(labels);
        model.computeGradientAndScore();
    }

    @Override
    Layer[] layers() {
        return model.getLayers();
    }

    @Override
    public INDArray output(INDArray features) {
        return model.output(false, features)[0];
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        model.getConfiguration().setIterationCount(Math.toIntExact(iteration));
        model.getConfiguration().setEpochCount(epoch);
    }
}
