package org.sparkddp.it;

import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.CheckpointConfig;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.TrainingShards;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.StartState;
import org.sparkddp.driver.train.TrainingMaster;
import org.sparkddp.driver.train.TrainingPlan;
import org.sparkddp.driver.train.TrainingResult;

/** Distributed training on a test class's shared context, without the command line's outputs. */
final class Distributed {
    private Distributed() {
    }

    static NetworkSpec spec(ConfigLoader.Loaded loaded, Datasets data) {
        var c = loaded.config();
        return NetworkSpec.of(c, data.train().inputShape(), data.train().targetWidth());
    }

    /** The floats of the run's final state, fetched from the executors (a Spark job). */
    static ModelState finalState(TrainingResult result) {
        return result.fetch(result.finalVersion());
    }

    static TrainingResult train(JavaSparkContext sc, Datasets data, ConfigLoader.Loaded loaded) {
        return train(sc, data, loaded, "test-" + System.nanoTime());
    }

    /** The same, under a run id of the caller's, which names the run's replicas in this JVM's pool. */
    static TrainingResult train(JavaSparkContext sc, Datasets data, ConfigLoader.Loaded loaded, String runId) {
        return train(sc, data, loaded, runId, CheckpointConfig.NONE, CheckpointSink.NONE);
    }

    /** The same, with the config's checkpoint schedule, the checkpoints going to {@code sink}. */
    static TrainingResult train(JavaSparkContext sc, Datasets data, ConfigLoader.Loaded loaded, CheckpointSink sink) {
        return train(sc, data, loaded, "test-" + System.nanoTime(), loaded.config().checkpoint(), sink);
    }

    private static TrainingResult train(JavaSparkContext sc, Datasets data, ConfigLoader.Loaded loaded, String runId,
                                        CheckpointConfig checkpoints, CheckpointSink sink) {
        TrainingConfig t = loaded.config().training();
        NetworkSpec spec = spec(loaded, data);
        StartState initial = StartState.fresh(spec);
        VirtualShards shards = VirtualShards.of(data.train().size(), DataConfig.DEFAULT_VIRTUAL_SHARDS);
        // These runs are not elastic: a resize would be a bug that an equivalence check might not notice.
        try (TrainingShards train = TrainingShards.resizable(
                ShardedData.forTraining(sc, data.train(), shards, t.workers(), "train"), w -> {
                    throw new AssertionError("a resize to " + w + " workers in a run of " + t.workers());
                });
             ShardedData test = ShardedData.forEvaluation(sc, data.test(), t.workers(), "test")) {
            TrainingPlan plan = new TrainingPlan(t, spec, loaded.config().data().augment(), ValidationConfig.NONE,
                    checkpoints);
            return new TrainingMaster(sc, plan, runId, List.of(), sink)
                    .fit(train, test, Optional.empty(), initial, Optional.empty());
        }
    }
}
