package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link TrainableNetwork} over a DL4J {@link ComputationGraph} with one input and one output (residual networks). */
final class GraphTrainable extends Dl4jTrainable {
    private final ComputationGraph graph;

    GraphTrainable(ComputationGraph graph, int numInputs, int numOutputs) {
        super(graph, graph.getUpdater(true), numInputs, numOutputs);
        this.graph = graph;
    }

    @Override
    void forwardBackward(INDArray features, INDArray labels) {
        // The field is not yet set while the base constructor primes the gradient.
        ComputationGraph net = (ComputationGraph) dl4jModel();
        net.setInputs(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
    }

    @Override
    Layer[] layers() {
        return graph.getLayers();
    }

    @Override
    public INDArray output(INDArray features) {
        return graph.output(false, features)[0];
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        graph.getConfiguration().setIterationCount(Math.toIntExact(iteration));
        graph.getConfiguration().setEpochCount(epoch);
    }
}
