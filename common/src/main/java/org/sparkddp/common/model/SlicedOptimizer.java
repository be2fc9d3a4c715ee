package org.sparkddp.common.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One rank's share of an optimizer step: the optimizer applied to a contiguous slice {@code [from, to)} of the flat
 * parameters, with that slice's own optimizer state. Runs on an executor, in the sharded synchronous step (the
 * BigDL design: each rank updates the slice it reduced). Made by {@link TrainableNetwork#slicedOptimizer}: DL4J's
 * updaters ({@code Dl4jSlicedOptimizer}) or the CPU engine's in-place loops, whichever the replica steps with, so
 * that the sharded step computes exactly the floats the replica's whole-vector step does.
 */
public interface SlicedOptimizer extends AutoCloseable {
    /**
     * One optimizer step on the slice: divides the summed gradient by {@code batchSize}, turns it into an update and
     * subtracts the update from the parameters. Only the slice is read or written; its gradient must hold the sum
     * over the global batch.
     */
    void step(int iteration, int epoch, int batchSize);

    /**
     * Whether {@link #step(int, int, int, int, int)} can step part of the slice at a time, with exactly the floats
     * the whole slice's step computes there (the overlapped step updates each bucket as soon as it is reduced).
     */
    default boolean stepsRanges() {
        return false;
    }

    /**
     * As {@link #step(int, int, int)}, on parameters {@code [from, to)} of the flat vector only, which must lie in
     * this slice; only where {@link #stepsRanges()}.
     */
    default void step(int iteration, int epoch, int batchSize, int from, int to) {
        throw new UnsupportedOperationException("this optimizer steps its whole slice at once");
    }

    /** Whether every parameter of the slice is finite; a non-finite gradient or update makes some of them not. */
    boolean finite();

    /** Copies this slice's state out of DL4J's flat updater state (the {@code [1, S]} array a replica holds). */
    void loadState(INDArray fullState);

    /** Writes this slice's state into DL4J's flat updater state, leaving the rest of it untouched. */
    void storeState(INDArray fullState);

    /**
     * Whether DL4J's optimizer step for these layers is element-wise: no gradient clipping by norm (which needs a whole
     * layer's norm) and no L1/L2 (which DL4J applies inside its updater).
     */
    static boolean elementWise(Layer[] layers) {
        for (Layer layer : layers) {
            TrainingConfig config = layer.getConfig();
            GradientNormalization normalization = config.getGradientNormalization();
            if (normalization != null && normalization != GradientNormalization.None) {
                return false;
            }
            for (String param : layer.paramTable(false).keySet()) {
                var regularization = config.getRegularizationByParam(param);
                if (regularization != null && !regularization.isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Frees the slice's state (native memory allocated per stage); the optimizer must not be used afterwards. */
    @Override
    void close();
}
