package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.wire.StateVersion;

/**
 * Where the training master saves the state when a checkpoint is due. Runs on the driver, which passes the
 * state's name: its chunks are on the executors, where a writer reads them.
 */
public interface CheckpointSink {
    /** No checkpoints. */
    CheckpointSink NONE = new CheckpointSink() {
        @Override
        public void save(StateVersion state, Optional<EarlyStoppingState> stopping) {
        }

        @Override
        public Optional<String> last() {
            return Optional.empty();
        }
    };

    /**
     * Saves the state reached after {@code state.iteration()} iterations, and early stopping's, if it is on. The
     * states are held on the executors until this returns.
     */
    void save(StateVersion state, Optional<EarlyStoppingState> stopping);

    /** The newest checkpoint written, or resumed from, if any. */
    Optional<String> last();
}
