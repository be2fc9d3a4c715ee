package org.sparkddp.driver.checkpoint;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.EarlyStoppingState;
import org.sparkddp.driver.train.JobDeadline;

/**
 * Writes a job's checkpoints: the state, plus everything needed to resume it exactly and to trace it (seeds and
 * data-order settings, the resolved config, provenance, the metrics so far). Runs on the driver, which submits the
 * job whose executor tasks write the chunk files in parallel ({@link SparkChunkWriter}) and then commits the
 * manifest ({@link CheckpointStore}).
 *
 * <p>A checkpoint that cannot be written is logged and training goes on: the directory was checked writable before
 * training started, and a passing storage error should not end hours of training; the next checkpoint tries again.
 */
public final class JobCheckpoints implements CheckpointSink {
    private static final Logger LOG = LoggerFactory.getLogger(JobCheckpoints.class);
    /** checkpoint.json's key for the training-stage seconds before the checkpoint. */
    public static final String TRAIN_SECONDS = "train_seconds";
    /** checkpoint.json's key for the metrics.jsonl lines before the checkpoint. */
    static final String METRICS = "metrics";

    private final CheckpointStore store;
    private final JavaSparkContext sc;
    private final JobDeadline deadline;
    private final Map<String, Object> fixed;
    private final Supplier<List<String>> metrics;
    private final DoubleSupplier trainSeconds;
    private String last;

    /**
     * @param fixed       what every checkpoint of the run records: seeds, settings, config, provenance
     * @param metrics     the metrics.jsonl lines so far, when a checkpoint is written
     * @param trainSeconds training-stage seconds so far, those before a resume included
     * @param resumedFrom the checkpoint this run resumed from, until it writes its own
     * @param deadline    bounds the jobs that write the chunk files
     */
    public JobCheckpoints(CheckpointStore store, Map<String, Object> fixed, Supplier<List<String>> metrics,
                          DoubleSupplier trainSeconds, Optional<String> resumedFrom, JavaSparkContext sc,
                          JobDeadline deadline) {
        this.sc = sc;
        this.deadline = deadline;
        this.trainSeconds = trainSeconds;
        this.store = store;
        this.fixed = Map.copyOf(fixed);
        this.metrics = metrics;
        this.last = resumedFrom.orElse(null);
    }

    /**
     * Writes a checkpoint of {@code state} (and early stopping's best): the chunk files by executor tasks in
     * parallel, each reading its chunk where the state lives, then the manifest. A failure is logged and training
     * goes on (see the class comment).
     */
    @Override
    public void save(StateVersion state, Optional<EarlyStoppingState> stopping) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("iteration", state.iteration());
        meta.put("epochs_done", state.epoch());
        meta.put("created_at", Instant.now().toString());
        meta.putAll(fixed);
        meta.put(TRAIN_SECONDS, trainSeconds.getAsDouble());
        meta.put(METRICS, metrics.get());
        stopping.ifPresent(s -> meta.put(CheckpointStore.EARLY_STOPPING, Map.of("best_epoch", s.bestEpoch(),
                "best_loss", s.bestLoss(), "since_best", s.sinceBest())));
        try {
            last = store.write(state, meta, stopping.map(EarlyStoppingState::bestState),
                    new SparkChunkWriter(sc, deadline));
        } catch (Exception e) { // a Spark job's failure arrives as SparkException, which Java cannot name here
            LOG.warn("the checkpoint of iteration {} could not be written ({}); training goes on", state.iteration(),
                    e.getMessage());
        }
    }

    @Override
    public Optional<String> last() {
        return Optional.ofNullable(last);
    }
}
