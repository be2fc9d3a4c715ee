package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import java.util.function.IntConsumer;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The few operations distributed training needs from a DL4J network, over flat views of its parameters,
 * gradients and updater state. One interface over DL4J's network types, so that the worker and the driver are
 * written once.
 *
 * <p>Lifecycle of one optimizer step: {@link #computeGradient} (or {@link #clearGradient} for an empty share),
 * then anything may rewrite {@link #gradients()} (the distributed sum), then {@link #step}. Not thread-safe: one
 * task uses a replica at a time. {@link #close} ends its life.
 */
public interface TrainableNetwork extends AutoCloseable {
    /** Flat parameter vector; a view, so writes change the network. */
    INDArray params();

    /** Flat gradient vector; a view, filled by {@link #computeGradient}. */
    INDArray gradients();

    /** Flat updater state (e.g. Adam's moments); a view, empty when the optimizer keeps none (plain SGD). */
    INDArray updaterState();

    /**
     * Computes the gradient of the loss <em>summed</em> over the batch into {@link #gradients()}.
     *
     * <p>NOTE: DL4J's updater, not the loss, divides by the minibatch size; that is what lets workers add their
     * raw gradients and divide once by the global count.
     *
     * @return the mean loss over the batch (DL4J's score)
     */
    double computeGradient(DataSet batch);

    /**
     * The ranges {@code [from, to)} of {@link #gradients()} that {@link #computeGradient(DataSet, IntConsumer)}
     * finishes one at a time during its backward pass, in the order it finishes them (the last layer's first); empty
     * where the whole gradient is finished only at the end (DL4J's layers). The same on every replica of a network.
     */
    default java.util.List<int[]> gradientReadyOrder() {
        return java.util.List.of();
    }

    /**
     * As {@link #computeGradient(DataSet)}, calling {@code ready.accept(k)}, on this thread, as soon as range
     * {@code k} of {@link #gradientReadyOrder()} holds its final gradient (a range that the pass leaves untouched may
     * never be announced); the overlapped step hands each such range to its communication thread.
     */
    default double computeGradient(DataSet batch, IntConsumer ready) {
        return computeGradient(batch);
    }

    /**
     * The {@code [from, to)} ranges of {@link #params()} that hold running statistics (batch norm's mean and variance)
     * rather than trained weights. Their "gradient" is the change of a running average, which DL4J applies as is; a
     * distributed step must average these over the workers, not add them up.
     */
    java.util.List<int[]> runningStatistics();

    /** Sets {@link #gradients()} to zero, for a worker with no examples in this iteration. */
    void clearGradient();

    /**
     * Applies one optimizer step: the updater turns the (summed) gradient into an update, dividing by
     * {@code batchSize}, and the update is subtracted from the parameters.
     */
    void step(long iteration, int epoch, int batchSize);

    /**
     * The optimizer for parameters {@code [from, to)} alone, for the sharded step; empty when this network's
     * optimizer step is not element-wise (see {@code Dl4jSlicedOptimizer.supports}).
     */
    java.util.Optional<SlicedOptimizer> slicedOptimizer(int from, int to);

    /** Network output (class probabilities, or predicted values) for a batch of features, in inference mode. */
    INDArray output(INDArray features);

    /** Records the training counters in the DL4J model, so that a saved model carries them. */
    void setCounters(long iteration, int epoch);

    /** The underlying DL4J model, for saving. */
    Model dl4jModel();

    /**
     * Frees the native memory the network holds besides DL4J's own arrays (the CPU engine's buffers) at once,
     * instead of when a GC happens to run; the network must not be used after. Nothing to free for DL4J's layers,
     * whose arrays ND4J frees when they are collected.
     */
    @Override
    default void close() {
    }
}
