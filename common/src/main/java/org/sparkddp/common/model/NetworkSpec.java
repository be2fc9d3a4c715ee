package org.sparkddp.common.model;

import java.io.Serializable;
import java.util.List;
import org.sparkddp.common.config.EngineKind;
import org.sparkddp.common.config.ModelConfig;
import org.sparkddp.common.config.OptimizerConfig;
import org.sparkddp.common.config.SparkDdpConfig;

/**
 * Everything needed to build the same network anywhere: the driver sends this to the executors, which build
 * their resident replicas from it. Small and immutable, so it travels inside task closures.
 *
 * @param model           the layers and the loss
 * @param optimizer       the updater and its schedule
 * @param seed            weight initialization seed
 * @param inputShape      one example's shape: {@code [features]}, or {@code [channels, height, width]} for images
 * @param numOutputs      the output layer's width (classes, or target columns; from the data)
 * @param globalBatchSize the global minibatch, for the linear learning-rate scaling rule
 * @param engine          what computes a training replica's forward and backward pass (the worker decides whether the
 *                        engine covers the network; the network built here is DL4J's either way)
 * @param outerMomentum   whether the optimizer state ends with average mode's outer momentum buffer (one value per
 *                        parameter, after DL4J's updater state: see {@link OuterMomentumState})
 */
public record NetworkSpec(ModelConfig model, OptimizerConfig optimizer, long seed, List<Integer> inputShape,
                          int numOutputs, int globalBatchSize, EngineKind engine, boolean outerMomentum)
        implements Serializable {
    /** A spec with the default engine choice ({@code auto}), as the config's default. */
    public NetworkSpec(ModelConfig model, OptimizerConfig optimizer, long seed, List<Integer> inputShape,
                       int numOutputs, int globalBatchSize) {
        this(model, optimizer, seed, inputShape, numOutputs, globalBatchSize, EngineKind.AUTO);
    }

    /** A spec whose optimizer state is DL4J's alone (no outer momentum). */
    public NetworkSpec(ModelConfig model, OptimizerConfig optimizer, long seed, List<Integer> inputShape,
                       int numOutputs, int globalBatchSize, EngineKind engine) {
        this(model, optimizer, seed, inputShape, numOutputs, globalBatchSize, engine, false);
    }

    public NetworkSpec {
        inputShape = List.copyOf(inputShape);
        if (inputShape.isEmpty() || inputShape.stream().anyMatch(d -> d <= 0) || numOutputs <= 0
                || (inputShape.size() != 1 && inputShape.size() != 3) || globalBatchSize <= 0) {
            throw new IllegalArgumentException("need an input shape of 1 or 3 positive sizes, > 0 outputs and a batch"
                    + " size > 0, but got " + inputShape + ", " + numOutputs + " and " + globalBatchSize);
        }
        if (engine == null) {
            throw new IllegalArgumentException("no engine kind");
        }
    }

    /** The network a job's config describes, for data of this shape and output width. */
    public static NetworkSpec of(SparkDdpConfig config, int[] inputShape, int numOutputs) {
        return new NetworkSpec(config.model(), config.optimizer(), config.training().seed(),
                java.util.Arrays.stream(inputShape).boxed().toList(), numOutputs, config.training().batchSize(),
                config.training().engine(), config.training().outerMomentumInState());
    }

    /** Features per example, as the flat input rows hold them. */
    public int numInputs() {
        return inputShape.stream().reduce(1, (a, b) -> a * b);
    }
}
