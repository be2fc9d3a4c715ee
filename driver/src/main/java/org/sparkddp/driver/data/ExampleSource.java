package org.sparkddp.driver.data;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.plan.VirtualShards;

/**
 * A dataset as the driver knows it before training: its size and shapes, checked before Spark starts, and how
 * to put it on the executors. Either the driver holds the examples ({@link InMemoryExamples}) or the executors
 * read them from the file system themselves ({@link SplitIdxImages}).
 */
public interface ExampleSource {
    /** The file the examples come from, for messages. */
    String location();

    int size();

    int numFeatures();

    /** Shape of one example as the network's input sees it. */
    int[] inputShape();

    /** The network's output width: classes, or target columns. */
    int targetWidth();

    /** Training shards, one per worker: the virtual shards {@code shards} assigns each, rows ascending; in memory. */
    default ShardedData shards(JavaSparkContext sc, VirtualShards shards, int workers, String name) {
        return shards(sc, shards, workers, ShardStorage.IN_MEMORY, name);
    }

    /** The same, each shard stored on its executor as {@code storage} says ({@code data.cache-memory}). */
    ShardedData shards(JavaSparkContext sc, VirtualShards shards, int workers, ShardStorage storage, String name);

    /** Held-out examples in {@code parts} contiguous slices; order does not matter for evaluation. In memory. */
    default ShardedData slices(JavaSparkContext sc, int parts, String name) {
        return slices(sc, parts, ShardStorage.IN_MEMORY, name);
    }

    /** The same, each slice stored on its executor as {@code storage} says. */
    ShardedData slices(JavaSparkContext sc, int parts, ShardStorage storage, String name);

    /**
     * The examples at {@code rows} (ascending) of the same file: a part held out for validation, or the rest.
     * Nothing is read yet.
     */
    ExampleSource subset(int[] rows);
}
