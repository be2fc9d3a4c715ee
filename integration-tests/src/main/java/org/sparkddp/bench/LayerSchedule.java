package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One model's training step as measured layer by layer ({@link LayerTimesStep}): the forward pass, each layer's
 * backward in layer order with its parameter count, and the optimizer step, in ms on one thread. The scaling
 * benchmark replays it ({@link ReplayRun}) and predicts from it ({@link OverlapModel}). Pure data; built in the
 * benchmark's parent JVM and read again, as one JSON line, by each rank.
 *
 * <p>A bucket is what back-propagation hands to the all-reduce: going back from the last layer, the gradients of
 * consecutive layers, in the flat gradient vector's order (DL4J keeps layer i's parameters before layer i+1's), until
 * the bucket holds at least the cap; it is ready once the backward of its earliest layer has run.
 *
 * @param model      the model's name in the report
 * @param parameters the network's parameter count (the sum of the layers')
 * @param forwardMs  the forward pass
 * @param layers     each layer's backward, in layer order (first layer first)
 * @param updateMs   the optimizer step, after the gradient is summed
 * @param shardedStep whether sync mode shards the optimizer step (each of W ranks updates 1/W of the parameters, as
 *                   it does by default where the step is element-wise and no batch norm keeps running statistics)
 * @param wholeMs    the engine's whole step (forward, backward, update) timed as one, to compare with the parts
 */
record LayerSchedule(String model, long parameters, double forwardMs, List<Layer> layers, double updateMs,
                     boolean shardedStep, double wholeMs) {
    /** A cap that puts the whole gradient in one bucket: what a step without overlap does. */
    static final long ONE_BUCKET = Long.MAX_VALUE;

    /** One layer: its DL4J type, its parameter count and its backward time. */
    record Layer(String type, long params, double backwardMs) {
    }

    /** Floats {@code [from, from + floats)} of the gradient, ready {@code readyMs} after the step starts. */
    record Bucket(long from, long floats, double readyMs) {
    }

    LayerSchedule {
        layers = List.copyOf(layers);
        long sum = layers.stream().mapToLong(Layer::params).sum();
        if (sum != parameters || layers.isEmpty()) {
            throw new IllegalArgumentException(model + ": the layers hold " + sum + " parameters, the network "
                    + parameters);
        }
    }

    /** The step's compute: forward, every backward and the update. */
    double computeMs() {
        return backwardEndMs() + updateMs;
    }

    /** The optimizer step of one of {@code ranks} ranks in sync mode: 1/W of it where the step is sharded. */
    double updateMs(int ranks) {
        return shardedStep ? updateMs / ranks : updateMs;
    }

    /**
     * Whether sync mode overlaps this network's reduce with its backward: the sharded step does, the replicated one
     * not where batch norm's running statistics are weighted after the pass (the worker's {@code Overlap}); DL4J's
     * batch norm is the layer with running statistics among the timed ones.
     */
    boolean overlapsInSyncMode() {
        return shardedStep || layers.stream().noneMatch(l -> l.type().startsWith("BatchNorm"));
    }

    /** When the last backward ends, after the step's start. */
    double backwardEndMs() {
        return forwardMs + layers.stream().mapToDouble(Layer::backwardMs).sum();
    }

    /**
     * The buckets in the order back-propagation fills them (the last layer's first), each closed once it holds at
     * least {@code capFloats} (1: one bucket per layer with parameters; {@link #ONE_BUCKET}: one bucket).
     */
    List<Bucket> buckets(long capFloats) {
        if (capFloats < 1) {
            throw new IllegalArgumentException("a bucket cap must be at least 1 float, not " + capFloats);
        }
        List<Bucket> buckets = new ArrayList<>();
        double t = forwardMs;
        long end = parameters; // the open bucket is [from, end)
        long from = parameters;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Layer layer = layers.get(i);
            t += layer.backwardMs();
            from -= layer.params();
            if (end - from >= capFloats && end > from) {
                buckets.add(new Bucket(from, end - from, t));
                end = from;
            }
        }
        if (end > from) {
            buckets.add(new Bucket(from, end - from, t));
        }
        return buckets;
    }

    /** Reads the JSON that {@code Json.line} wrote of a schedule (LayerTimesStep's RESULT line, the ranks' file). */
    static LayerSchedule fromJson(JsonNode json) {
        List<Layer> layers = new ArrayList<>();
        for (JsonNode l : json.get("layers")) {
            layers.add(new Layer(l.get("type").asText(), l.get("params").asLong(), l.get("backwardMs").asDouble()));
        }
        return new LayerSchedule(json.get("model").asText(), json.get("parameters").asLong(),
                json.get("forwardMs").asDouble(), layers, json.get("updateMs").asDouble(),
                json.get("shardedStep").asBoolean(), json.get("wholeMs").asDouble());
    }
}
