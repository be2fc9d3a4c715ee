package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.NativeArrays;
import org.sparkddp.common.wire.StateVersion;

/**
 * Where a fit starts: the network's own initialization (which every executor builds from the seed, so nothing is
 * sent), or a stored state (a checkpoint's chunk files, which the executors read). Made on the driver, which holds
 * only sizes and names.
 *
 * @param paramCount   the network's parameters
 * @param updaterCount the network's optimizer-state values
 * @param stored       the state to start from, if not the fresh one
 */
public record StartState(long paramCount, long updaterCount, Optional<StateVersion> stored) {
    /**
     * The fresh network's sizes, from a network built once on the driver and released at once: the build also
     * checks that every layer can follow its input, and DL4J's own counts are the ones the executors' replicas have.
     */
    public static StartState fresh(NetworkSpec network) {
        TrainableNetwork built = NetworkFactory.build(network);
        StartState sizes = new StartState(built.params().length(),
                built.updaterState().isEmpty() ? 0 : built.updaterState().length(), Optional.empty());
        NativeArrays.release(built.params());
        if (!built.updaterState().isEmpty()) {
            NativeArrays.release(built.updaterState());
        }
        return sizes;
    }

    /** A stored state, such as a checkpoint's. */
    public static StartState of(StateVersion state) {
        return new StartState(state.paramCount(), state.updaterCount(), Optional.of(state));
    }

    /** Optimizer steps already applied. */
    public long iteration() {
        return stored.map(StateVersion::iteration).orElse(0L);
    }
}
