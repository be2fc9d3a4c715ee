package org.sparkddp.common.config;

import java.io.Serializable;

/**
 * A whole job's configuration, one record per section of the config file. Built by {@link ConfigLoader};
 * every field has been validated by the time this exists.
 */
public record SparkDdpConfig(
        DataConfig data,
        OutputConfig output,
        SparkSettings spark,
        TrainingConfig training,
        CheckpointConfig checkpoint,
        ValidationConfig validation,
        OptimizerConfig optimizer,
        ModelConfig model) implements Serializable {

    public SparkDdpConfig {
        Checks.present("data", data);
        Checks.present("output", output);
        Checks.present("spark", spark);
        Checks.present("training", training);
        Checks.present("checkpoint", checkpoint);
        Checks.present("validation", validation);
        Checks.present("optimizer", optimizer);
        Checks.present("model", model);
    }
}
