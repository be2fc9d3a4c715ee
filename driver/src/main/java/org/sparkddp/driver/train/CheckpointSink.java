package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.wire.ModelState;

/** Where the training master saves the state when a checkpoint is due. Runs on the driver. */
public interface CheckpointSink {
    /** No checkpoints. */
    CheckpointSink NONE = new CheckpointSink() {
        @Override
        public void save(ModelState state, Optional<EarlyStoppingState> stopping) {
        }

        @Override
        public Optional<String> last() {
            return Optional.empty();
        }
    };

    /** Saves the state reached after {@code state.iteration()} iterations, and early stopping's, if it is on. */
    void save(ModelState state, Optional<EarlyStoppingState> stopping);

    /** The newest checkpoint written, or resumed from, if any. */
    Optional<String> last();
}
