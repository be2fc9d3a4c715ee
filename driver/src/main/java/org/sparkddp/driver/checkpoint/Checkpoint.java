package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.driver.train.EarlyStoppingState;

/**
 * A saved training state and what it was saved from: the parameters and optimizer state, the position in the
 * data order, and the run's resolved config and provenance (in {@code meta}, the checkpoint.json document).
 *
 * @param location the checkpoint's directory
 * @param state    parameters, optimizer state, iterations done, epochs done
 * @param meta     checkpoint.json: seeds and data-order settings, config, provenance, metrics so far
 * @param stopping early stopping's state, in a run with early stopping
 */
public record Checkpoint(String location, ModelState state, JsonNode meta, Optional<EarlyStoppingState> stopping) {
}
