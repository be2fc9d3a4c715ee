package org.sparkddp.worker.engine;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.model.SlicedOptimizer;

/**
 * The optimizer step in place, one pass per updater block ({@link UpdateRule}), over parameters {@code [from, to)}
 * of DL4J's flat vectors: the whole network (state: DL4J's own updater-state views) or one rank's slice in the
 * sharded step (state: copies of the slice's part, loaded and stored at stage boundaries). Both compute each
 * parameter the same way, so the sharded step equals the replicated one bit for bit. Runs on an executor.
 *
 * <p>Covers what is element-wise: no gradient clipping by norm, no L1/L2 (DL4J applies those inside its updater),
 * and every block's parameters either all divided by the batch (trained weights) or none (running statistics).
 */
final class EngineOptimizer implements SlicedOptimizer {
    /** The part of one updater block in {@code [from, to)}: its rule, and views of its parameters, gradient, state. */
    private record Piece(int from, int to, int blockFrom, int blockLength, int stateFrom, UpdateRule rule,
                         IUpdater config, NativeFloats params, NativeFloats gradient, NativeFloats[] state) {
    }

    private final List<Piece> pieces;
    private final boolean ownsState;

    private EngineOptimizer(List<Piece> pieces, boolean ownsState) {
        this.pieces = pieces;
        this.ownsState = ownsState;
    }

    /**
     * The optimizer over {@code [from, to)}, or empty if some part of it is not element-wise.
     *
     * @param sliced true: the slice keeps its own state (zero until {@link #loadState}); false: it works on DL4J's
     *               updater state in place
     */
    static Optional<EngineOptimizer> of(Layer[] layers, BaseMultiLayerUpdater<?> updater, INDArray params,
                                        INDArray gradients, int from, int to, boolean sliced) {
        if (!SlicedOptimizer.elementWise(layers)) {
            return Optional.empty();
        }
        INDArray stateView = updater.getStateViewArray();
        List<Piece> pieces = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            int a = Math.max(from, block.getParamOffsetStart());
            int b = Math.min(to, block.getParamOffsetEnd());
            if (a >= b) {
                continue;
            }
            IUpdater config = block.getGradientUpdater().getConfig();
            UpdateRule rule = UpdateRule.of(config);
            if (rule == null || !uniformDivision(block, rule)) {
                pieces.forEach(p -> release(p, sliced));
                return Optional.empty();
            }
            int blockLength = block.getParamOffsetEnd() - block.getParamOffsetStart();
            NativeFloats[] state = new NativeFloats[rule.stateArrays];
            for (int j = 0; j < state.length; j++) {
                long start = block.getUpdaterViewOffsetStart() + (long) j * blockLength + (a - block.getParamOffsetStart());
                state[j] = sliced ? NativeFloats.allocate(b - a) : NativeFloats.of(range(stateView, start, b - a));
            }
            pieces.add(new Piece(a, b, block.getParamOffsetStart(), blockLength, block.getUpdaterViewOffsetStart(),
                    rule, config, NativeFloats.of(range(params, a, b - a)), NativeFloats.of(range(gradients, a, b - a)),
                    state));
        }
        return Optional.of(new EngineOptimizer(pieces, sliced));
    }

    private static boolean uniformDivision(UpdaterBlock block, UpdateRule rule) {
        for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
            if (p.getLayer().updaterDivideByMinibatch(p.getParamName()) != rule.dividesByBatch()) {
                return false;
            }
        }
        return true;
    }

    /** Elements {@code [start, start + length)} of a flat {@code [1, N]} array, as a contiguous view. */
    private static INDArray range(INDArray flat, long start, long length) {
        return flat.reshape(flat.length()).get(NDArrayIndex.interval(start, start + length));
    }

    @Override
    public void step(int iteration, int epoch, int batchSize) {
        for (Piece p : pieces) {
            FloatBuffer[] state = new FloatBuffer[p.state().length];
            for (int j = 0; j < state.length; j++) {
                state[j] = p.state()[j].data;
            }
            p.rule().apply(p.config(), iteration, epoch, batchSize, p.params().data, p.gradient().data, state,
                    p.to() - p.from());
        }
    }

    @Override
    public boolean stepsRanges() {
        return true;
    }

    /** Element-wise, so stepping {@code [from, to)} computes there the bits {@link #step(int, int, int)} does. */
    @Override
    public void step(int iteration, int epoch, int batchSize, int from, int to) {
        for (Piece p : pieces) {
            int a = Math.max(from, p.from());
            int b = Math.min(to, p.to());
            if (a >= b) {
                continue;
            }
            int at = a - p.from();
            FloatBuffer[] state = new FloatBuffer[p.state().length];
            for (int j = 0; j < state.length; j++) {
                state[j] = p.state()[j].data.slice(at, b - a);
            }
            p.rule().apply(p.config(), iteration, epoch, batchSize, p.params().data.slice(at, b - a),
                    p.gradient().data.slice(at, b - a), state, b - a);
        }
    }

    @Override
    public boolean finite() {
        for (Piece p : pieces) {
            if (Float.isFinite(Blas.sasum(p.to() - p.from(), p.params().at(0)))) {
                continue; // every value finite (see FiniteSum): one BLAS pass instead of the loop below
            }
            FloatBuffer params = p.params().data;
            for (int i = 0; i < p.to() - p.from(); i++) {
                if (!Float.isFinite(params.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public void loadState(INDArray fullState) {
        copyState(fullState, true);
    }

    @Override
    public void storeState(INDArray fullState) {
        copyState(fullState, false);
    }

    private void copyState(INDArray fullState, boolean load) {
        if (!ownsState) {
            return; // the state is DL4J's own: nothing to move
        }
        for (Piece p : pieces) {
            int length = p.to() - p.from();
            for (int j = 0; j < p.state().length; j++) {
                long start = p.stateFrom() + (long) j * p.blockLength() + (p.from() - p.blockFrom());
                try (NativeFloats full = NativeFloats.of(range(fullState, start, length))) {
                    FloatBuffer from = load ? full.data : p.state()[j].data;
                    FloatBuffer to = load ? p.state()[j].data : full.data;
                    for (int i = 0; i < length; i++) {
                        to.put(i, from.get(i));
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        pieces.forEach(p -> release(p, ownsState));
    }

    private static void release(Piece p, boolean owned) {
        if (owned) {
            for (NativeFloats s : p.state()) {
                s.close();
            }
        }
    }
}
