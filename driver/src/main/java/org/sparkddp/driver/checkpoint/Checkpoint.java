package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.sparkddp.common.wire.StateVersion;

/**
 * A saved training state and what it was saved from: the state's chunk files (named, not read: the executors read
 * them), the position in the data order, and the run's resolved config and provenance (in {@code meta}, the
 * checkpoint.json document).
 *
 * @param location the checkpoint's directory
 * @param state    parameters and optimizer state ({@link StateVersion.Home#FILES}, in {@code location}), with the
 *                 iterations and epochs done
 * @param meta     checkpoint.json: seeds and data-order settings, config, provenance, metrics so far, geometry
 * @param stopping early stopping's state, in a run with early stopping
 */
public record Checkpoint(String location, StateVersion state, JsonNode meta, Optional<Stopping> stopping) {

    /**
     * Early stopping's counters and its best state so far, as saved.
     *
     * @param bestEpoch 0-based epoch of the lowest validation loss so far
     * @param bestLoss  that loss
     * @param sinceBest validation evaluations since then that did not improve on it
     * @param best      the state evaluated then ({@link StateVersion.Home#FILES}, in {@code location/best})
     */
    public record Stopping(int bestEpoch, double bestLoss, int sinceBest, StateVersion best) {
    }
}
