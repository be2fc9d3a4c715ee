package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** {@link TrainableNetwork} over a DL4J {@link MultiLayerNetwork}. */
public final class MultiLayerTrainable implements TrainableNetwork {
    private final MultiLayerNetwork network;
    private final BaseMultiLayerUpdater<?> updater;
    private final INDArray emptyState = Nd4j.empty(org.nd4j.linalg.api.buffer.DataType.FLOAT);

    public MultiLayerTrainable(MultiLayerNetwork network) {
        this.network = network;
        this.updater = (BaseMultiLayerUpdater<?>) network.getUpdater(true);
        primeGradient();
    }

    /**
     * DL4J's updater needs the per-variable gradient map that only a backward pass creates. A replica whose first
     * iteration has an empty share would have none, so run one backward pass on a single zero example now.
     */
    private void primeGradient() {
        long inputs = network.layerInputSize(0);
        long outputs = network.layerSize(network.getnLayers() - 1);
        INDArray labels = Nd4j.zeros(network.params().dataType(), 1, outputs);
        labels.putScalar(0, 0, 1.0);
        network.setInput(Nd4j.zeros(network.params().dataType(), 1, inputs));
        network.setLabels(labels);
        network.computeGradientAndScore();
        clearGradient();
    }

    @Override
    public INDArray params() {
        return network.params();
    }

    @Override
    public INDArray gradients() {
        return network.getFlattenedGradients();
    }

    @Override
    public INDArray updaterState() {
        INDArray state = updater.getStateViewArray();
        return state == null ? emptyState : state;
    }

    @Override
    public double computeGradient(DataSet batch) {
        network.setInput(batch.getFeatures());
        network.setLabels(batch.getLabels());
        network.computeGradientAndScore();
        return network.score();
    }

    @Override
    public void clearGradient() {
        network.getFlattenedGradients().assign(0);
    }

    @Override
    public void step(long iteration, int epoch, int batchSize) {
        // The same two calls DL4J's StochasticGradientDescent makes: updater.update, then params -= update.
        updater.update(network.gradient(), Math.toIntExact(iteration), epoch, batchSize,
                LayerWorkspaceMgr.noWorkspaces());
        network.params().subi(network.getFlattenedGradients());
    }

    @Override
    public java.util.Optional<SlicedOptimizer> slicedOptimizer(int from, int to) {
        return SlicedOptimizer.supports(network)
                ? java.util.Optional.of(SlicedOptimizer.of(network, from, to)) : java.util.Optional.empty();
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

    @Override
    public Model dl4jModel() {
        return network;
    }
}
