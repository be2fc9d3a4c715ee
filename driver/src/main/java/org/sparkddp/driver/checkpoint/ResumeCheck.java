package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Refuses to resume a checkpoint into a run that would not continue it: a different network, optimizer, data
 * order or data. Other settings (epochs, learning rate, paths, Spark properties) may change. Runs on the driver.
 */
public final class ResumeCheck {
    private ResumeCheck() {
    }

    public static void verify(Checkpoint checkpoint, SparkDdpConfig config, LabeledExamples train) {
        JsonNode saved = checkpoint.meta().path("config");
        Map<String, String> now = new LinkedHashMap<>();
        now.put("model.hidden", config.model().hidden().toString().replace(" ", ""));
        now.put("model.activation", config.model().activation().configName());
        now.put("optimizer.name", config.optimizer().name().configName());
        now.put("training.mode", config.training().mode().configName());
        now.put("training.workers", String.valueOf(config.training().workers()));
        now.put("training.batch-size", String.valueOf(config.training().batchSize()));
        now.put("training.seed", String.valueOf(config.training().seed()));
        now.put("training.average-every", String.valueOf(config.training().averageEvery()));
        for (Map.Entry<String, String> key : now.entrySet()) {
            JsonNode value = saved.at("/" + key.getKey().replace('.', '/'));
            String then = value.isArray() ? value.toString().replace(" ", "") : value.asText();
            if (!then.equals(key.getValue())) {
                throw new InvalidConfigException(key.getKey(), "is " + key.getValue() + " but was " + then + " in "
                        + checkpoint.location() + "; a resumed run keeps the network, the optimizer and the data order");
            }
        }
        long examples = checkpoint.meta().path("train_examples").asLong(-1);
        if (examples != train.size() || checkpoint.meta().path("features").asInt(-1) != train.numFeatures()
                || checkpoint.meta().path("classes").asInt(-1) != train.targetWidth()) {
            throw new InvalidDataException(config.data().train(), "has " + train.size() + " examples of "
                    + train.numFeatures() + " features and " + train.targetWidth() + " outputs, but the run in "
                    + checkpoint.location() + " trained on " + examples + " of " + checkpoint.meta().path("features").asInt()
                    + " and " + checkpoint.meta().path("classes").asInt());
        }
    }
}
