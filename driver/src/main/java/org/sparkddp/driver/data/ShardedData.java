package org.sparkddp.driver.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.common.plan.VirtualShards;

/**
 * Examples cut into shards and cached on the executors as one partition per shard. Built on the driver.
 *
 * <p>Where the driver holds the examples, each shard travels as its own broadcast (so through the block manager,
 * never inside a task closure, however large it is) and is materialized into the cached RDD by the executor that
 * first computes its partition. The broadcasts stay alive for the whole run: if an executor is lost, Spark
 * recomputes its partitions from them.
 *
 * <p>Each partition is stored as its {@link ShardStorage} says ({@code data.cache-memory}): in memory, or spilled to
 * its executor's local disk. Every build of a partition is counted ({@link ShardBuilds}), so that a shard Spark
 * evicted and re-read is reported ({@link #rebuilds}) rather than silently re-read every stage.
 */
public final class ShardedData implements AutoCloseable {
    private final JavaRDD<LabeledExamples> rdd;
    private final List<? extends Broadcast<?>> broadcasts;
    private final int[] shardSizes;
    private final MetricsSpec metrics;
    /** For training shards: how the examples were cut, which the epochs' plans follow. Null for evaluation. */
    private final VirtualShards virtualShards;
    /** Counts partition builds; null where the RDD was built without counting. */
    private final ShardBuilds builds;
    /** Releases what the shards were built from (cached decoded blocks), once they are no longer needed. */
    private final Runnable release;

    private ShardedData(JavaRDD<LabeledExamples> rdd, List<? extends Broadcast<?>> broadcasts, int[] shardSizes,
                        MetricsSpec metrics, VirtualShards virtualShards, ShardBuilds builds, Runnable release) {
        this.release = release;
        this.virtualShards = virtualShards;
        this.builds = builds;
        this.rdd = rdd;
        this.broadcasts = broadcasts;
        this.shardSizes = shardSizes;
        this.metrics = metrics;
    }

    /**
     * Shards built some other way, such as read by the executors themselves ({@link SplitIdxImages}).
     *
     * @param rdd        one partition per shard, persisted
     * @param broadcasts what the partitions are computed from, kept alive for recomputation and destroyed on close
     */
    static ShardedData of(JavaRDD<LabeledExamples> rdd, List<? extends Broadcast<?>> broadcasts, int[] shardSizes,
                          MetricsSpec metrics, VirtualShards virtualShards) {
        return of(rdd, broadcasts, shardSizes, metrics, virtualShards, null);
    }

    /** @param builds what the RDD's partitions count their builds with, or null */
    static ShardedData of(JavaRDD<LabeledExamples> rdd, List<? extends Broadcast<?>> broadcasts, int[] shardSizes,
                          MetricsSpec metrics, VirtualShards virtualShards, ShardBuilds builds) {
        return new ShardedData(rdd, broadcasts, shardSizes.clone(), metrics, virtualShards, builds, () -> { });
    }

    /**
     * Shards the executors built from cached data ({@link DecodedExamples}).
     *
     * @param release run on close: unpersists the cached blocks, which the built shards no longer need (a lost
     *                shard is then recomputed from the files)
     */
    static ShardedData of(JavaRDD<LabeledExamples> rdd, int[] shardSizes, MetricsSpec metrics,
                          VirtualShards virtualShards, ShardBuilds builds, Runnable release) {
        return new ShardedData(rdd, List.of(), shardSizes.clone(), metrics, virtualShards, builds, release);
    }

    /**
     * Training data held by the driver: worker w's shard holds the virtual shards {@code shards} assigns it, its
     * rows in ascending order.
     */
    public static ShardedData forTraining(JavaSparkContext sc, LabeledExamples examples, VirtualShards shards,
                                          int workers, String name) {
        return forTraining(sc, examples, shards, workers, ShardStorage.IN_MEMORY, name);
    }

    /** The same, each shard stored on its executor as {@code storage} says. */
    public static ShardedData forTraining(JavaSparkContext sc, LabeledExamples examples, VirtualShards shards,
                                          int workers, ShardStorage storage, String name) {
        shards.checkWorkers(workers);
        int[][] rows = new int[workers][];
        int[] filled = new int[workers];
        for (int w = 0; w < workers; w++) {
            rows[w] = new int[Math.toIntExact(shards.localSize(w, workers))];
        }
        for (int i = 0; i < examples.size(); i++) {
            int w = shards.owner(i, workers);
            rows[w][filled[w]++] = i;
        }
        List<LabeledExamples> parts = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            parts.add(examples.select(rows[w]));
        }
        return distribute(sc, parts, storage, name, MetricsSpec.of(examples.targets()), shards);
    }

    /** Held-out data: contiguous slices, one per partition; order does not matter for evaluation. */
    public static ShardedData forEvaluation(JavaSparkContext sc, LabeledExamples examples, int partitions,
                                            String name) {
        return forEvaluation(sc, examples, partitions, ShardStorage.IN_MEMORY, name);
    }

    /** The same, each slice stored on its executor as {@code storage} says. */
    public static ShardedData forEvaluation(JavaSparkContext sc, LabeledExamples examples, int partitions,
                                            ShardStorage storage, String name) {
        int parts = Math.max(1, Math.min(partitions, examples.size()));
        List<LabeledExamples> slices = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) examples.size() * p / parts);
            int to = (int) ((long) examples.size() * (p + 1) / parts);
            int[] rows = new int[to - from];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = from + i;
            }
            slices.add(examples.select(rows));
        }
        return distribute(sc, slices, storage, name, MetricsSpec.of(examples.targets()), null);
    }

    private static ShardedData distribute(JavaSparkContext sc, List<LabeledExamples> shards, ShardStorage storage,
                                          String name, MetricsSpec metrics, VirtualShards virtualShards) {
        List<Broadcast<LabeledExamples>> bcShards = new ArrayList<>(shards.size());
        int[] sizes = new int[shards.size()];
        List<Integer> indices = new ArrayList<>(shards.size());
        for (int i = 0; i < shards.size(); i++) {
            bcShards.add(sc.broadcast(shards.get(i)));
            sizes[i] = shards.get(i).size();
            indices.add(i);
        }
        List<Broadcast<LabeledExamples>> handles = List.copyOf(bcShards);
        ShardBuilds builds = ShardBuilds.register(sc, name);
        JavaRDD<LabeledExamples> rdd = sc.parallelize(indices, shards.size())
                .map(i -> { // Executor: the shard, kept in memory or spilled to this executor's disk.
                    builds.count();
                    return ShardBuilder.stored(handles.get(i).value(), storage);
                })
                .setName(name)
                .persist(StorageLevel.MEMORY_ONLY());
        return new ShardedData(rdd, bcShards, sizes, metrics, virtualShards, builds, () -> { });
    }

    public JavaRDD<LabeledExamples> rdd() {
        return rdd;
    }

    /** How these examples are scored when held out; decided from all of them, not from one shard. */
    public MetricsSpec metrics() {
        return metrics;
    }

    /** How training examples were cut into virtual shards; fails for evaluation slices, which are not. */
    public VirtualShards virtualShards() {
        if (virtualShards == null) {
            throw new IllegalStateException("evaluation slices are not cut into virtual shards");
        }
        return virtualShards;
    }

    /** Examples in each shard, by partition. */
    public int[] shardSizes() {
        return shardSizes.clone();
    }

    /**
     * Partition builds beyond the first of each: shards that Spark evicted (or lost with an executor) and rebuilt
     * from their source. 0 where the builds were not counted.
     */
    public long rebuilds() {
        return builds == null ? 0 : Math.max(0, builds.builds() - shardSizes.length);
    }

    @Override
    public void close() {
        rdd.unpersist(false);
        broadcasts.forEach(bc -> bc.destroy());
        release.run();
    }
}
