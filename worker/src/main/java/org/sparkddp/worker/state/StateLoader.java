package org.sparkddp.worker.state;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.StateLayout;
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
        StateLayout layout = state.layout();
        check(layout.paramCount(), network.params(), "parameters", state);
        if (withUpdater) {
            check(layout.updaterCount(), network.updaterState(), "optimizer state", state);
        }
        StateLayout.Floats target = StateLayout.Floats.of(network);
        int chunks = withUpdater ? layout.chunks() : layout.paramChunks();
        for (int c = 0; c < chunks; c++) {
            layout.fill(c, StateChunks.read(state, c), target, withUpdater);
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
