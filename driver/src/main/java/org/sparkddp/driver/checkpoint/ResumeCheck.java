package org.sparkddp.driver.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.LayerSpec;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.output.Json;

/**
 * Refuses to resume a checkpoint into a run that would not continue it: a different network, optimizer, data
 * order or data, or, where the worker count changes the math (average mode, batch norm), another worker count.
 * Other settings (epochs, learning rate, paths, Spark properties, the worker count in sync mode) may change. Runs
 * on the driver.
 */
public final class ResumeCheck {
    private ResumeCheck() {
    }

    /**
     * @param loaded the config of the run about to resume, with the resolved document that gives the model section
     *               exactly as the checkpoint's metadata saved its own
     */
    public static void verify(Checkpoint checkpoint, ConfigLoader.Loaded loaded, ExampleSource train) {
        SparkDdpConfig config = loaded.config();
        JsonNode saved = checkpoint.meta().path("config");
        JsonNode model = Json.parse(loaded.resolvedJson()).path("model");
        if (!model.equals(saved.path("model"))) {
            throw new InvalidConfigException("model", "differs from the model in " + checkpoint.location()
                    + " (" + firstDifference("model", model, saved.path("model")) + "); a resumed run keeps the network");
        }
        Map<String, String> now = new LinkedHashMap<>();
        now.put("optimizer.name", config.optimizer().name().configName());
        now.put("training.mode", config.training().mode().configName());
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
        verifyOuterMomentum(checkpoint, config, saved.path("training").path("average-outer-momentum").asDouble(0));
        verifyWorkers(checkpoint, config, saved.path("training").path("workers").asInt());
        verifyData(checkpoint, config, train);
    }

    /**
     * Another worker count is a resize at the checkpoint's iteration, as an elastic run makes: in sync mode the
     * global batches and the steps do not depend on it, only the order in which the workers' float sums are added
     * (and the dropout masks and augmentation draws, which are drawn per worker). Where the count changes what a
     * step computes, it is refused.
     */
    private static void verifyWorkers(Checkpoint checkpoint, SparkDdpConfig config, int then) {
        int workers = config.training().workers();
        if (workers == then) {
            return;
        }
        String keep = "; resume with training.workers = " + then;
        if (config.training().mode() == TrainingMode.AVERAGE) {
            throw new InvalidConfigException("training.workers", "is " + workers + " but was " + then + " in "
                    + checkpoint.location() + ", and in average mode each worker steps alone on its share of the batch"
                    + " between averages, so the worker count changes the result" + keep);
        }
        if (config.model().layers().stream().anyMatch(l -> l instanceof LayerSpec.BatchNorm
                || l instanceof LayerSpec.Residual)) {
            throw new InvalidConfigException("training.workers", "is " + workers + " but was " + then + " in "
                    + checkpoint.location() + ", and batch norm normalizes each worker's share of a batch on its own,"
                    + " so the worker count changes every step" + keep);
        }
    }

    /**
     * Average mode's outer momentum may change value (as a learning rate may), but not come or go: its buffer is part
     * of the optimizer state, so the checkpoint's state would not fit the network.
     */
    private static void verifyOuterMomentum(Checkpoint checkpoint, SparkDdpConfig config, double then) {
        boolean had = then != 0;
        boolean has = config.training().outerMomentumInState();
        if (had != has) {
            throw new InvalidConfigException("training.average-outer-momentum", "is "
                    + config.training().localSgd().outerMomentum() + " but was " + then + " in "
                    + checkpoint.location() + ", and the outer momentum is part of the optimizer state: a resumed run "
                    + "keeps it " + (had ? "above 0" : "at 0"));
        }
    }

    private static void verifyData(Checkpoint checkpoint, SparkDdpConfig config, ExampleSource train) {
        long examples = checkpoint.meta().path(CheckpointMeta.TRAIN_EXAMPLES).asLong(-1);
        int features = checkpoint.meta().path(CheckpointMeta.FEATURES).asInt(-1);
        int outputs = checkpoint.meta().path(CheckpointMeta.CLASSES).asInt(-1);
        if (examples != train.size() || features != train.numFeatures() || outputs != train.targetWidth()) {
            throw new InvalidDataException(config.data().train(), "has " + train.size() + " examples of "
                    + train.numFeatures() + " features and " + train.targetWidth() + " outputs, but the run in "
                    + checkpoint.location() + " trained on " + examples + " of " + features + " and " + outputs);
        }
    }

    /** The first key where two config sections differ, with both values, e.g. {@code model.layers[0].units: 64 vs 256}. */
    static String firstDifference(String path, JsonNode now, JsonNode then) {
        if (now.isObject() && then.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            now.fieldNames().forEachRemaining(keys::add);
            then.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                if (!now.path(key).equals(then.path(key))) {
                    return firstDifference(path + "." + key, now.path(key), then.path(key));
                }
            }
        } else if (now.isArray() && then.isArray()) {
            for (int i = 0; i < Math.min(now.size(), then.size()); i++) {
                if (!now.get(i).equals(then.get(i))) {
                    return firstDifference(path + "[" + i + "]", now.get(i), then.get(i));
                }
            }
            return path + " has " + now.size() + " entries but had " + then.size();
        }
        return path + " is " + (now.isMissingNode() ? "not set" : now.toString()) + " but was "
                + (then.isMissingNode() ? "not set" : then.toString());
    }
}
