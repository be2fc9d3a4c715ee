package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.NioViews;
import org.sparkddp.common.wire.StateVersion;

/**
 * Copies a state's chunks into a network's flat parameter and optimizer-state views, chunk by chunk, so that no
 * buffer is ever as large as the model. Runs on executors.
 */
public final class StateLoader {
    private StateLoader() {
    }

    /** Loads parameters and optimizer state, and the counters. */
    public static void load(StateVersion state, TrainableNetwork network) {
        copy(state, network, true);
        network.setCounters(state.iteration(), state.epoch());
    }

    /** Loads the parameters only (reading only the chunks that hold parameters): enough for inference. */
    public static void loadParams(StateVersion state, TrainableNetwork network) {
        copy(state, network, false);
    }

    private static void copy(StateVersion state, TrainableNetwork network, boolean withUpdater) {
        check(state.paramCount(), network.params(), "parameters", state);
        if (withUpdater) {
            check(state.updaterCount(), network.updaterState(), "optimizer state", state);
        }
        int chunks = withUpdater ? state.chunks() : state.paramChunks();
        long p = state.paramCount();
        for (int c = 0; c < chunks; c++) {
            ByteBuffer chunk = StateChunks.read(state, c).order(ByteOrder.LITTLE_ENDIAN);
            long from = state.chunkFrom(c);
            long to = state.chunkTo(c);
            // A chunk may straddle the end of the parameters and the start of the optimizer state.
            if (from < p) {
                put(chunk, 0, network.params(), from, Math.min(to, p));
            }
            if (withUpdater && to > p) {
                long a = Math.max(from, p);
                put(chunk, a - from, network.updaterState(), a - p, to - p);
            }
        }
    }

    /** Copies floats from {@code chunk} (starting at float {@code at}) into {@code [from, to)} of {@code target}. */
    private static void put(ByteBuffer chunk, long at, INDArray target, long from, long to) {
        ByteBuffer source = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        source.position(Math.toIntExact(at * Float.BYTES)).limit(Math.toIntExact((at + to - from) * Float.BYTES));
        ByteBuffer view = NioViews.range(target, from, to);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            view.put(source);
        } else {
            view.asFloatBuffer().put(source.asFloatBuffer());
        }
    }

    private static void check(long expected, INDArray array, String what, StateVersion state) {
        long actual = array.isEmpty() ? 0 : array.length();
        if (expected != actual) {
            throw new IllegalArgumentException(state + ": has " + expected + " " + what + " values, the network "
                    + actual);
        }
    }
}
