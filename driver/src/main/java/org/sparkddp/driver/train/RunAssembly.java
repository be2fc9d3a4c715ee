package org.sparkddp.driver.train;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.model.ModelSize;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.TrainingShards;
import org.sparkddp.driver.spark.ExecutorMemory;

/**
 * One training run assembled from a job's config and its examples, the one assembly that {@code spark-ddp train}
 * ({@code TrainingJob}) and the Spark ML estimator ({@code SparkDdpEstimator.fit}) share: they differ only in where the
 * examples come from (files or a DataFrame) and in what they make of the result (output files or an in-memory model).
 * Runs on the driver.
 *
 * <p>Two named steps. {@link #check} runs before Spark trains anything: enough examples for the workers, the batch
 * size against them, the network for the input shape, the augmentation against that shape, the model against
 * DL4J's and the executors' limits, the virtual shards against the workers. {@link #train} shards the examples on
 * the executors (rebuilt for another worker count on a resize), runs a {@link TrainingMaster} with every part of
 * the config's {@link TrainingPlan} (augmentation, validation, checkpoint schedule), and releases the shards.
 */
public final class RunAssembly {
    private final SparkDdpConfig config;
    private final Examples examples;
    private final NetworkSpec network;
    private final VirtualShards virtualShards;

    /**
     * The examples of a run, as the driver knows them: sizes and shapes, not rows.
     *
     * @param command    the command the shards are named after in Spark's UI: {@code train}, {@code fit}
     * @param origin     where the training examples come from, for messages: the file, or the DataFrame
     * @param train      the examples trained on
     * @param scored     what each epoch is evaluated on: the test set, or (fit) the training examples themselves
     * @param validation the examples that validation.* evaluates and early stopping watches, if any
     */
    public record Examples(String command, String origin, ExampleSource train, ExampleSource scored,
                           Optional<ExampleSource> validation) {
    }

    /**
     * @param result        the trained states and figures
     * @param shardRebuilds shards Spark evicted (or lost with an executor) and that were read again from their source
     */
    public record Outcome(TrainingResult result, long shardRebuilds) {
    }

    private RunAssembly(SparkDdpConfig config, Examples examples, NetworkSpec network, VirtualShards virtualShards) {
        this.config = config;
        this.examples = examples;
        this.network = network;
        this.virtualShards = virtualShards;
    }

    /**
     * Checks the run before Spark trains: every bad setting fails here in one line, naming its key.
     *
     * @param inputShape the shape of one example as the network's input sees it
     * @param memory     what the model's native memory need is checked against (and sized into)
     * @param notices    where warnings go (the console, or the estimator's log)
     */
    public static RunAssembly check(SparkDdpConfig config, Examples examples, int[] inputShape, ExecutorMemory memory,
                                    Consumer<String> notices) {
        var training = config.training();
        if (examples.train().size() < training.workers()) {
            throw new InvalidConfigException("training.workers", "is " + training.workers() + " but "
                    + examples.origin() + " holds only " + examples.train().size() + " examples");
        }
        BatchSizeWarning.of(training.batchSize(), examples.train().size()).ifPresent(notices);
        NetworkSpec network = NetworkSpec.of(config, inputShape, examples.train().targetWidth());
        config.data().augment().requireFits(inputShape);
        // Before anything of the model is allocated: a model too large for DL4J or for the executors fails here, in
        // one line, rather than in a crash or at its first stage.
        ModelSize size = ModelSize.of(network).checkDl4jLimits();
        memory.fit(size, training).ifPresent(notices);
        // How the training examples are cut: data.virtual-shards, whatever the number of workers.
        VirtualShards shards = VirtualShards.of(examples.train().size(), config.data().virtualShards());
        shards.checkWorkers(training.workers());
        return new RunAssembly(config, examples, network, shards);
    }

    public NetworkSpec network() {
        return network;
    }

    public Examples examples() {
        return examples;
    }

    /** Every epoch has the same number of iterations: the training examples over the batch size. */
    public int iterationsPerEpoch() {
        var training = config.training();
        return new EpochPlan(training.seed(), 0, virtualShards, training.batchSize()).iterations();
    }

    /** The iterations of all the epochs, or fewer where {@code cap} (training.max-iterations) ends the run first. */
    public long totalIterations(long cap) {
        return Math.min((long) iterationsPerEpoch() * config.training().epochs(), cap);
    }

    /** The same, under the config's own training.max-iterations. */
    public long totalIterations() {
        return totalIterations(config.training().maxIterations().orElse(Long.MAX_VALUE));
    }

    /**
     * Shards the examples on the executors, trains from {@code initial} and releases the shards. The result's states
     * stay on the executors until its {@link TrainingResult#release}.
     *
     * @param resumed early stopping's state in the checkpoint {@code initial} comes from, if any
     */
    public Outcome train(JavaSparkContext sc, String runId, List<TrainingListener> listeners, CheckpointSink sink,
                         StartState initial, Optional<EarlyStoppingState> resumed) {
        int workers = config.training().workers();
        ShardStorage storage = ShardStorage.of(config.data().cacheMemory());
        String name = "spark-ddp " + examples.command();
        ExampleSource source = examples.train();
        // A resize (training.elastic) cuts the same virtual shards for another worker count, on the executors.
        try (TrainingShards train = TrainingShards.resizable(source.shards(sc, virtualShards, workers, storage,
                name + " shards"), w -> source.shards(sc, virtualShards, w, storage, name + " shards for " + w
                + " workers"));
             ShardedData scored = examples.scored().slices(sc, workers, storage, name + " metrics");
             ShardedData validation = examples.validation()
                     .map(v -> v.slices(sc, workers, storage, name + " validation")).orElse(null)) {
            TrainingResult result = new TrainingMaster(sc, TrainingPlan.of(config, network), runId, listeners, sink)
                    .fit(train, scored, Optional.ofNullable(validation), initial, resumed);
            return new Outcome(result, train.rebuilds() + scored.rebuilds()
                    + (validation == null ? 0 : validation.rebuilds()));
        }
    }
}
