package org.sparkddp.driver.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.sparkddp.common.plan.VirtualShards;

/**
 * The training examples cut for whatever number of workers a stage runs on. Runs on the driver; the shards are
 * built and held by the executors.
 *
 * <p>Every count keeps the same virtual shards (row {@code i} in shard {@code i mod V}); only which worker holds
 * which virtual shards changes ({@code v mod W}). A new count is built once, by the executors, from the same source
 * as the first (the files, or Spark's cached decoded blocks), and replaces the previous count's shards, which are
 * released once a stage has run on the new ones: the executors never hold two copies of the data for long.
 */
public final class TrainingShards implements AutoCloseable {
    private final IntFunction<ShardedData> build;
    private final VirtualShards virtualShards;
    private final List<ShardedData> retired = new ArrayList<>();
    private ShardedData current;
    private int workers;
    private long earlierRebuilds;

    private TrainingShards(ShardedData first, int workers, IntFunction<ShardedData> build) {
        this.current = first;
        this.workers = workers;
        this.build = build;
        this.virtualShards = first.virtualShards();
    }

    /**
     * @param first   the shards of the first stage's count
     * @param build   builds the shards for another count (lazily: Spark builds them when a stage first needs them)
     */
    public static TrainingShards resizable(ShardedData first, IntFunction<ShardedData> build) {
        return new TrainingShards(first, first.shardSizes().length, build);
    }

    public VirtualShards virtualShards() {
        return virtualShards;
    }

    /**
     * The shards for {@code count} workers, one partition each. A count other than the last one asked for builds
     * them; the previous count's stay cached until a stage has run on the new ones ({@link #settled}), since the
     * new ones are built from the same source, which Spark may still hold cached beside them.
     */
    public ShardedData forWorkers(int count) {
        if (count != workers) {
            ShardedData next = build.apply(count);
            retired.add(current);
            earlierRebuilds += current.rebuilds();
            current = next;
            workers = count;
        }
        return current;
    }

    /** A stage has run on the current shards: the earlier counts' shards are released from the executors. */
    public void settled() {
        releaseRetired();
    }

    private void releaseRetired() {
        while (retired.size() > 0) {
            retired.remove(0).close();
        }
    }

    /** Partition builds beyond the first of each, over every count's shards (see {@link ShardedData#rebuilds}). */
    public long rebuilds() {
        return earlierRebuilds + current.rebuilds();
    }

    @Override
    public void close() {
        releaseRetired();
        current.close();
    }
}
