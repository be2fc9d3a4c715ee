package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.ModelState;

/**
 * Where a fit starts: the network's own initialization (which every executor builds from the seed, so nothing is
 * sent), or a state the driver holds (a checkpoint it read; a network handed to the Spark ML API). Made on the
 * driver.
 *
 * @param paramCount   the network's parameters
 * @param updaterCount the network's optimizer-state values
 * @param state        the state to start from, if not the fresh one
 */
public record StartState(long paramCount, long updaterCount, Optional<ModelState> state) {
    /** The fresh network's sizes, from a network built once on the driver (and dropped). */
    public static StartState fresh(NetworkSpec network) {
        TrainableNetwork built = NetworkFactory.build(network);
        return new StartState(built.params().length(),
                built.updaterState().isEmpty() ? 0 : built.updaterState().length(), Optional.empty());
    }

    /** A state the driver holds. */
    public static StartState of(ModelState state) {
        return new StartState(state.params().length, state.updaterState().length, Optional.of(state));
    }

    /** Optimizer steps already applied. */
    public long iteration() {
        return state.map(ModelState::iteration).orElse(0L);
    }
}
