package org.sparkddp.worker.engine;

import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.DoubleSupplier;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.model.SlicedOptimizer;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * A DL4J replica whose forward and backward pass, and (where it is element-wise) optimizer step, the engine
 * computes. The parameters, the gradient vector the workers all-reduce and the optimizer state stay DL4J's vectors:
 * the engine reads and writes them in place, so checkpoints, {@code model.zip}, the state's chunks and every stage
 * boundary see exactly what they see with DL4J's layers. Runs on an executor.
 */
final class EngineTrainable implements TrainableNetwork {
    private final TrainableNetwork dl4j;
    private final EngineNetwork engine;
    /** DL4J's L1/L2 term of the score for the current parameters; 0 for networks without either. */
    private final DoubleSupplier regularizationScore;
    /** The whole network's optimizer step in place, where it is element-wise; else DL4J's updater steps. */
    private final Optional<EngineOptimizer> optimizer;
    /** Makes the optimizer of a slice {@code [from, to)} with its own state, for the sharded step. */
    private final BiFunction<Integer, Integer, Optional<EngineOptimizer>> slices;

    EngineTrainable(TrainableNetwork dl4j, EngineNetwork engine, DoubleSupplier regularizationScore,
                    Optional<EngineOptimizer> optimizer, BiFunction<Integer, Integer, Optional<EngineOptimizer>> slices) {
        this.dl4j = dl4j;
        this.engine = engine;
        this.regularizationScore = regularizationScore;
        this.optimizer = optimizer;
        this.slices = slices;
    }

    /** The engine's network, for timing its layers. */
    EngineNetwork engine() {
        return engine;
    }

    /** Whether the optimizer step runs in place here (true) or in DL4J's updater. */
    boolean stepsInPlace() {
        return optimizer.isPresent();
    }

    @Override
    public double computeGradient(DataSet batch) {
        return computeGradient(batch, k -> { });
    }

    @Override
    public List<int[]> gradientReadyOrder() {
        return engine.gradientReadyOrder();
    }

    @Override
    public double computeGradient(DataSet batch, java.util.function.IntConsumer ready) {
        // DL4J's score: the mean loss over the batch, plus the network's L1/L2 terms
        double sum = engine.forwardBackward(batch.getFeatures(), batch.getLabels(), ready);
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
        if (optimizer.isPresent()) {
            optimizer.get().step(Math.toIntExact(iteration), epoch, batchSize);
        } else {
            dl4j.step(iteration, epoch, batchSize);
        }
    }

    /**
     * The sharded step's optimizer: the engine's, with the same arithmetic as {@link #step}, where the whole step is
     * element-wise and the network has no running statistics (which the sharded step does not average); else none.
     */
    @Override
    public Optional<SlicedOptimizer> slicedOptimizer(int from, int to) {
        if (optimizer.isEmpty() || !runningStatistics().isEmpty()) {
            return Optional.empty();
        }
        return slices.apply(from, to).map(o -> o);
    }

    @Override
    public void setCounters(long iteration, int epoch) {
        dl4j.setCounters(iteration, epoch);
    }

    @Override
    public Model dl4jModel() {
        return dl4j.dl4jModel();
    }

    /** Frees the engine's native buffers and the optimizer's; DL4J's network is left to the GC. */
    @Override
    public void close() {
        engine.close();
        optimizer.ifPresent(EngineOptimizer::close);
    }
}
