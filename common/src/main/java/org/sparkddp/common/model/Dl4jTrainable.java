package org.sparkddp.common.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TrainableNetwork} over either DL4J network type. Everything distributed training does is written here once;
 * the two subclasses only say how their network takes inputs, gives outputs and keeps its counters.
 */
abstract class Dl4jTrainable<M extends Model> implements TrainableNetwork {
    /** The DL4J network; set before the constructor's priming pass, so subclasses may use it from the start. */
    final M model;
    private final BaseMultiLayerUpdater<?> updater;
    private final INDArray emptyState = Nd4j.empty(DataType.FLOAT);
    private final List<int[]> runningStatistics;
    /** DL4J's updater state followed by the outer momentum ({@link OuterMomentumState}), or null: DL4J's alone. */
    private final INDArray extendedState;

    /** @param extendedState the optimizer state when it holds more than DL4J's updater state, else null */
    Dl4jTrainable(M model, BaseMultiLayerUpdater<?> updater, int numInputs, int numOutputs, INDArray extendedState) {
        this.model = model;
        this.updater = updater;
        this.extendedState = extendedState;
        primeGradient(numInputs, numOutputs);
        this.runningStatistics = findRunningStatistics(updater);
    }

    /** Sets the network's input and labels and runs the forward and backward pass. */
    abstract void forwardBackward(INDArray features, INDArray labels);

    abstract Layer[] layers();

    /**
     * DL4J's updater needs the per-variable gradient map that only a backward pass creates. A replica whose first
     * iteration has an empty share would have none, so run one backward pass on a single zero example now.
     */
    private void primeGradient(int numInputs, int numOutputs) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, 1, numOutputs);
        labels.putScalar(0, 0, 1.0);
        forwardBackward(Nd4j.zeros(DataType.FLOAT, 1, numInputs), labels);
        clearGradient();
    }

    /**
     * Parameters DL4J does not divide by the batch size are not trained by gradients but are running statistics
     * (batch norm's mean and variance), whose "gradient" is the change of a running average.
     */
    private static List<int[]> findRunningStatistics(BaseMultiLayerUpdater<?> updater) {
        List<int[]> ranges = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                if (!p.getLayer().updaterDivideByMinibatch(p.getParamName())) {
                    ranges.add(new int[] {p.getParamOffsetStart(), p.getParamOffsetEnd()});
                }
            }
        }
        return List.copyOf(ranges);
    }

    @Override
    public INDArray params() {
        return model.params();
    }

    @Override
    public INDArray gradients() {
        return model.getGradientsViewArray();
    }

    @Override
    public INDArray updaterState() {
        if (extendedState != null) {
            return extendedState;
        }
        INDArray state = updater.getStateViewArray();
        return state == null ? emptyState : state;
    }

    @Override
    public double computeGradient(DataSet batch) {
        forwardBackward(batch.getFeatures(), batch.getLabels());
        return model.score();
    }

    @Override
    public void clearGradient() {
        gradients().assign(0);
    }

    @Override
    public List<int[]> runningStatistics() {
        return runningStatistics;
    }

    @Override
    public void step(long iteration, int epoch, int batchSize) {
        // The same two calls DL4J's StochasticGradientDescent makes: updater.update, then params -= update.
        updater.update(model.gradient(), Math.toIntExact(iteration), epoch, batchSize, LayerWorkspaceMgr.noWorkspaces());
        params().subi(gradients());
    }

    @Override
    public Optional<SlicedOptimizer> slicedOptimizer(int from, int to) {
        return Dl4jSlicedOptimizer.supports(layers())
                ? Optional.of(Dl4jSlicedOptimizer.of(updater, params(), gradients(), from, to)) : Optional.empty();
    }

    @Override
    public Model dl4jModel() {
        return model;
    }
}
