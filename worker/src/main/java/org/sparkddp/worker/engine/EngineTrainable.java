package org.sparkddp.worker.engine;

import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.model.SlicedOptimizer;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * A DL4J replica whose forward and backward pass the engine computes. The parameters, the gradient vector the
 * workers all-reduce, the optimizer state and the optimizer step stay DL4J's: the engine reads the parameters in
 * place and writes the gradient into DL4J's gradient view, so checkpoints, {@code model.zip}, the sharded optimizer
 * and every stage boundary see exactly what they see with DL4J's layers. Runs on an executor.
 */
final class EngineTrainable implements TrainableNetwork {
    private final TrainableNetwork dl4j;
    private final EngineNetwork engine;
    /** DL4J's L1/L2 term of the score for the current parameters; 0 for networks without either. */
    private final java.util.function.DoubleSupplier regularizationScore;

    EngineTrainable(TrainableNetwork dl4j, EngineNetwork engine, java.util.function.DoubleSupplier regularizationScore) {
        this.dl4j = dl4j;
        this.engine = engine;
        this.regularizationScore = regularizationScore;
    }

    @Override
    public double computeGradient(DataSet batch) {
        double sum = engine.forwardBackward(batch.getFeatures(), batch.getLabels());
        // DL4J's score: the mean loss over the batch, plus the network's L1/L2 terms
        return sum / batch.getFeatures().size(0) + regularizationScore.getAsDouble();
    }

    @Override
    public INDArray output(INDArray features) {
        return engine.output(features);
    }

    @Override
    public INDArray params() {
        return dl4j.params();
    }

    @Override
    public INDArray gradients() {
        return dl4j.gradients();
    }

    @Override
    public INDArray updaterState() {
        return dl4j.updaterState();
    }

    @Override
    public List<int[]> runningStatistics() {
        return dl4j.runningStatistics();
    }

    @Override
    public void clearGradient() {
        dl4j.clearGradient();
    }

    @Override
    public void step(long iteration, int epoch, int batchSize) {
        dl4j.step(iteration, epoch, batchSize);
    }

    @Override
    public Optional<SlicedOptimizer> slicedOptimizer(int from, int to) {
        return dl4j.slicedOptimizer(from, to);
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        dl4j.setCounters(iteration, epoch);
    }

    @Override
    public Model dl4jModel() {
        return dl4j.dl4jModel();
    }
}
