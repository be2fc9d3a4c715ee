package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.EarlyStoppingState;

/**
 * A saved training state and what it was saved from: the state's chunk files (named, not read: the executors read
 * them), the position in the data order, and the run's resolved config and provenance (in {@code meta}, the
 * checkpoint.json document).
 *
 * @param location the checkpoint's directory
 * @param state    parameters and optimizer state ({@link StateVersion.Home#FILES}, in {@code location}), with the
 *                 iterations and epochs done
 * @param meta     checkpoint.json: seeds and data-order settings, config, provenance, metrics so far, geometry
 * @param stopping early stopping's state, in a run with early stopping (its best state in {@code location/best})
 */
public record Checkpoint(String location, StateVersion state, JsonNode meta, Optional<EarlyStoppingState> stopping) {
    /**
     * Training-stage seconds before this checkpoint: its own {@code train_seconds}, or, in a checkpoint written before
     * that key existed, the last one in its copy of the metrics lines.
     */
    public double trainSecondsBefore() {
        if (meta.has(JobCheckpoints.TRAIN_SECONDS)) {
            return meta.path(JobCheckpoints.TRAIN_SECONDS).asDouble();
        }
        double seconds = 0;
        for (JsonNode line : meta.path(JobCheckpoints.METRICS)) {
            JsonNode node = Json.parse(line.asText());
            if (node.has(JobCheckpoints.TRAIN_SECONDS)) {
                seconds = node.path(JobCheckpoints.TRAIN_SECONDS).asDouble();
            }
        }
        return seconds;
    }

    /** The metrics.jsonl lines written by this checkpoint: a resumed run's metrics file starts with them. */
    public List<String> metricsLines() {
        List<String> lines = new ArrayList<>();
        meta.path(JobCheckpoints.METRICS).forEach(line -> lines.add(line.asText()));
        return lines;
    }

    /** training.workers of the run that wrote this checkpoint, or {@code unrecorded} where it did not record them. */
    public int workers(int unrecorded) {
        return meta.path(CheckpointMeta.WORKERS).asInt(unrecorded);
    }
}
