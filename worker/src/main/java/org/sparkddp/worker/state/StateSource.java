package org.sparkddp.worker.state;

import java.io.Serializable;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.StateVersion;

/**
 * Loads a state (parameters, optimizer state, counters) into a freshly built network on an executor: what the
 * model-file task runs before it writes {@code model.zip}. {@link #stored} loads a {@link StateVersion} with
 * {@link StateLoader}; tests may pass sources of their own. Serializable: it
 * travels in the job's closure. Runs on executors.
 */
@FunctionalInterface
public interface StateSource extends Serializable {
    void loadInto(TrainableNetwork network);

    static StateSource stored(StateVersion state) {
        return network -> StateLoader.load(state, network);
    }
}
