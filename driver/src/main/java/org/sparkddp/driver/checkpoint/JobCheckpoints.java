package org.sparkddp.driver.checkpoint;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.driver.train.EarlyStoppingState;

/**
 * Writes a job's checkpoints: the state, plus everything needed to resume it exactly and to trace it (seeds and
 * data-order settings, the resolved config, provenance, the metrics so far). Runs on the driver.
 *
 * <p>It writes a state the driver holds whole; {@link FetchedCheckpoints} fetches the executors' state for it.
 *
 * <p>A checkpoint that cannot be written is logged and training goes on: the directory was checked writable before
 * training started, and a passing storage error should not end hours of training; the next checkpoint tries again.
 */
public final class JobCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(JobCheckpoints.class);
    /** checkpoint.json's key for the training-stage seconds before the checkpoint. */
    public static final String TRAIN_SECONDS = "train_seconds";

    private final CheckpointStore store;
    private final Map<String, Object> fixed;
    private final Supplier<List<String>> metrics;
    private final DoubleSupplier trainSeconds;
    private String last;

    /**
     * @param fixed       what every checkpoint of the run records: seeds, settings, config, provenance
     * @param metrics     the metrics.jsonl lines so far, when a checkpoint is written
     * @param trainSeconds training-stage seconds so far, those before a resume included
     * @param resumedFrom the checkpoint this run resumed from, until it writes its own
     */
    public JobCheckpoints(CheckpointStore store, Map<String, Object> fixed, Supplier<List<String>> metrics,
                          DoubleSupplier trainSeconds, Optional<String> resumedFrom) {
        this.trainSeconds = trainSeconds;
        this.store = store;
        this.fixed = Map.copyOf(fixed);
        this.metrics = metrics;
        this.last = resumedFrom.orElse(null);
    }

    /** Writes a checkpoint of {@code state} (and early stopping's), or logs why it could not. */
    public void save(ModelState state, Optional<EarlyStoppingState> stopping) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("format", 1);
        meta.put("iteration", state.iteration());
        meta.put("epochs_done", state.epoch());
        meta.put("created_at", Instant.now().toString());
        meta.putAll(fixed);
        meta.put(TRAIN_SECONDS, trainSeconds.getAsDouble());
        meta.put("metrics", metrics.get());
        stopping.ifPresent(s -> meta.put(CheckpointStore.EARLY_STOPPING, Map.of("best_epoch", s.bestEpoch(),
                "best_loss", s.bestLoss(), "since_best", s.sinceBest())));
        try {
            last = store.write(state, meta, stopping.map(EarlyStoppingState::bestState));
        } catch (IOException | RuntimeException e) {
            LOG.warn("the checkpoint of iteration {} could not be written ({}); training goes on", state.iteration(),
                    e.getMessage());
        }
    }

    /** The newest checkpoint written, or resumed from, if any. */
    public Optional<String> last() {
        return Optional.ofNullable(last);
    }
}
