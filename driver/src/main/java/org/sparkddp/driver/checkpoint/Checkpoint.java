package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import org.sparkddp.common.wire.ModelState;

/**
 * A saved training state and what it was saved from: the parameters and optimizer state, the position in the
 * data order, and the run's resolved config and provenance (in {@code meta}, the checkpoint.json document).
 *
 * @param location the checkpoint's directory
 * @param state    parameters, optimizer state, iterations done, epochs done
 * @param meta     checkpoint.json: seeds and data-order settings, config, provenance, metrics so far
 */
public record Checkpoint(String location, ModelState state, JsonNode meta) {
}
