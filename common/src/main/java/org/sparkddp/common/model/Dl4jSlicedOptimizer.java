package org.sparkddp.common.model;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.sparkddp.common.nd.FiniteSum;
import org.sparkddp.common.nd.NativeArrays;

/**
 * One rank's share of a DL4J optimizer step: DL4J's own {@link GradientUpdater} (Adam, SGD, ...) applied to a
 * contiguous slice {@code [from, to)} of the flat parameters, with that slice's own optimizer state. Runs on an
 * executor, in the sharded synchronous step (the BigDL design: each rank updates the slice it reduced).
 *
 * <p>NOTE: for the networks {@link #supports} accepts, DL4J's step is element-wise (divide by the batch size,
 * apply the updater, subtract), so applying it slice by slice computes exactly the floats the whole-vector step
 * does. Networks with gradient normalization (needs whole-layer norms), regularization, or parameters DL4J does
 * not divide by the batch size (batch-norm statistics) are not supported; callers use the replicated step.
 *
 * <p>DL4J keeps each updater block's state as {@code k} stacked arrays of the block's length (Adam: m, then v).
 * This slice's state is the matching {@code k} pieces, kept contiguous here; {@link #loadState} and
 * {@link #storeState} move them between the two layouts at stage boundaries.
 */
final class Dl4jSlicedOptimizer implements SlicedOptimizer {
    /**
     * The part of one updater block that falls in the slice, with its views of the network's parameters and
     * gradients made once, as contiguous row vectors.
     */
    private record Piece(int from, int to, int blockFrom, int blockLength, int stateFrom, int k,
                         GradientUpdater<?> updater, INDArray state, INDArray params, INDArray gradient) {
    }

    private final List<Piece> pieces;

    private Dl4jSlicedOptimizer(List<Piece> pieces) {
        this.pieces = pieces;
    }

    /** Whether every parameter's optimizer step is element-wise, so that slicing it is exact. */
    static boolean supports(Layer[] layers) {
        if (!SlicedOptimizer.elementWise(layers)) {
            return false;
        }
        for (Layer layer : layers) {
            for (String param : layer.paramTable(false).keySet()) {
                if (!layer.updaterDivideByMinibatch(param)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The optimizer for parameters {@code [from, to)} of a network with this updater and these flat parameters and
     * gradients, with fresh (zero) state. The caller has checked {@link #supports}.
     */
    static Dl4jSlicedOptimizer of(BaseMultiLayerUpdater<?> updater, INDArray params, INDArray gradients, int from, int to) {
        List<Piece> pieces = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            int a = Math.max(from, block.getParamOffsetStart());
            int b = Math.min(to, block.getParamOffsetEnd());
            if (a >= b) {
                continue;
            }
            int blockLength = block.getParamOffsetEnd() - block.getParamOffsetStart();
            IUpdater config = block.getGradientUpdater().getConfig();
            int k = (int) (config.stateSize(blockLength) / blockLength);
            INDArray state = k == 0 ? null : Nd4j.zeros(DataType.FLOAT, 1, (long) k * (b - a));
            GradientUpdater<?> sliceUpdater = config.instantiate(state, true);
            pieces.add(new Piece(a, b, block.getParamOffsetStart(), blockLength, block.getUpdaterViewOffsetStart(), k,
                    sliceUpdater, state, rowView(params, a, b), rowView(gradients, a, b)));
        }
        return new Dl4jSlicedOptimizer(pieces);
    }

    /**
     * NOTE: a {@code [1, len]} 'c'-order view of elements {@code [from, to)} of a flat {@code [1, P]} array, made
     * through a 1-D view. Indexing the 2-D array directly gave views that ND4J's element-wise ops walked more than
     * twice as slowly as DL4J's own (measured: 4.2 ms against 1.8 ms for Adam on 235k parameters).
     */
    private static INDArray rowView(INDArray flat, int from, int to) {
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(from, to)).reshape('c', 1, to - from);
    }

    /**
     * One optimizer step on the slice of the network this optimizer was made for: divides the summed gradient by
     * {@code batchSize}, lets the updater turn it into an update (in place), and subtracts it from the parameters.
     * Only the slice is read or written; its gradient must hold the sum over the global batch.
     */
    @Override
    public void step(int iteration, int epoch, int batchSize) {
        for (Piece p : pieces) {
            p.gradient().divi(batchSize);
            p.updater().applyUpdater(p.gradient(), iteration, epoch);
            p.params().subi(p.gradient());
        }
    }

    /** Whether every parameter of the slice is finite; a non-finite gradient or update makes some of them not. */
    @Override
    public boolean finite() {
        for (Piece p : pieces) {
            if (!FiniteSum.of(p.params())) {
                return false;
            }
        }
        return true;
    }

    /** Copies this slice's state out of DL4J's flat updater state (the {@code [1, S]} array a replica holds). */
    @Override
    public void loadState(INDArray fullState) {
        for (Piece p : pieces) {
            for (int j = 0; j < p.k(); j++) {
                p.state().get(NDArrayIndex.all(), statePiece(p, j)).assign(fullState.get(NDArrayIndex.all(), fullPiece(p, j)));
            }
        }
    }

    /** Writes this slice's state into DL4J's flat updater state, leaving the rest of it untouched. */
    @Override
    public void storeState(INDArray fullState) {
        for (Piece p : pieces) {
            for (int j = 0; j < p.k(); j++) {
                fullState.get(NDArrayIndex.all(), fullPiece(p, j)).assign(p.state().get(NDArrayIndex.all(), statePiece(p, j)));
            }
        }
    }

    /**
     * Frees this slice's optimizer state, which is native memory allocated per stage; the optimizer must not be
     * used afterwards. Called by the stage that made it, when the stage ends.
     */
    @Override
    public void close() {
        for (Piece p : pieces) {
            NativeArrays.release(p.state());
        }
    }

    /** Where piece {@code j} of the slice's state lies in DL4J's layout: block state start + j * block length + offset. */
    private static org.nd4j.linalg.indexing.INDArrayIndex fullPiece(Piece p, int j) {
        long start = p.stateFrom() + (long) j * p.blockLength() + (p.from() - p.blockFrom());
        return NDArrayIndex.interval(start, start + (p.to() - p.from()));
    }

    private static org.nd4j.linalg.indexing.INDArrayIndex statePiece(Piece p, int j) {
        long length = p.to() - p.from();
        return NDArrayIndex.interval(j * length, (j + 1) * length);
    }
}
