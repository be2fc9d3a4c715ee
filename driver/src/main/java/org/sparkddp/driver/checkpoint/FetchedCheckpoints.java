package org.sparkddp.driver.checkpoint;

import java.util.Optional;
import java.util.function.Function;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.EarlyStoppingState;
import org.sparkddp.driver.train.StoppingSnapshot;

/**
 * Checkpoints of states that live on the executors, written by the driver: fetches the state (and early stopping's
 * best) to the driver, then writes it as {@link JobCheckpoints} always has. Runs on the driver.
 *
 * <p>NOTE: a stopgap that still brings the whole state to the driver at each checkpoint; executors writing their
 * chunks to the checkpoint directory in parallel replace it (a {@link CheckpointSink} of their own).
 */
public final class FetchedCheckpoints implements CheckpointSink {
    private final JobCheckpoints checkpoints;
    private final Function<StateVersion, ModelState> fetch;

    /** @param fetch brings a state to the driver ({@code org.sparkddp.driver.state.StateFetch}) */
    public FetchedCheckpoints(JobCheckpoints checkpoints, Function<StateVersion, ModelState> fetch) {
        this.checkpoints = checkpoints;
        this.fetch = fetch;
    }

    @Override
    public void save(StateVersion state, Optional<StoppingSnapshot> stopping) {
        Optional<EarlyStoppingState> best = stopping.map(s -> new EarlyStoppingState(s.bestEpoch(), s.bestLoss(),
                s.sinceBest(), fetch.apply(s.best())));
        checkpoints.save(fetch.apply(state), best);
    }

    @Override
    public Optional<String> last() {
        return checkpoints.last();
    }
}
