package org.sparkddp.driver.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.StartState;

/**
 * What every checkpoint of a run records besides the state and the metrics so far: enough to resume it exactly
 * ({@link ResumeCheck} compares a job against it) and to trace it. Made on the driver, once per run.
 */
public final class CheckpointMeta {
    /** checkpoint.json's key for training.workers of the run that wrote it. */
    static final String WORKERS = "workers";
    /** Its keys for the training examples' count, features and output width, which a resumed job must match. */
    static final String TRAIN_EXAMPLES = "train_examples";
    static final String FEATURES = "features";
    static final String CLASSES = "classes";

    private CheckpointMeta() {
    }

    /**
     * @param resolvedJson the run's whole config, resolved, as JSON
     * @param version      the spark-ddp version that trains
     * @param initial      the sizes of the state trained
     */
    public static Map<String, Object> of(SparkDdpConfig config, String resolvedJson, String version, JobData data,
                                         StartState initial) {
        var t = config.training();
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("seed", t.seed());
        meta.put(WORKERS, t.workers());
        meta.put("batch_size", t.batchSize());
        meta.put("mode", t.mode().configName());
        meta.put("parameters", initial.paramCount());
        meta.put("updater_values", initial.updaterCount());
        meta.put(TRAIN_EXAMPLES, data.train().size());
        meta.put("test_examples", data.test().size());
        meta.put(FEATURES, data.train().numFeatures());
        meta.put(CLASSES, data.train().targetWidth()); // the output width; the key predates real targets
        meta.put("data", Map.of("train", config.data().train(), "test", config.data().test()));
        meta.put("version", version);
        meta.put("config", Json.parse(resolvedJson));
        return meta;
    }
}
