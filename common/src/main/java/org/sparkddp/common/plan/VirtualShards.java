package org.sparkddp.common.plan;

import java.io.Serializable;

/**
 * How the training examples are cut into a fixed number of virtual shards, and which worker holds which shard.
 * Pure arithmetic, the same on the driver, on every executor and in the single-machine reference.
 *
 * <p>Row {@code i} (the example's position in the training data, counted through the files in sorted path order,
 * so independent of how Spark splits them) is element {@code i / count} of shard {@code i % count}: the shards
 * are balanced (sizes differ by at most one) and each spans the whole file. Worker {@code w} of {@code W} holds the
 * shards {@code v} with {@code v % W == w}, interleaved so that every worker gets its share of every global batch
 * ({@link EpochPlan}). A worker stores its rows in ascending row order, which is the order a file is read in:
 * its local index of row {@code i} is {@code (i / count) * shardsOf(w) + (i % count) / W}.
 *
 * @param examples the number of training examples
 * @param count    the number of virtual shards: {@code data.virtual-shards}, capped at {@code examples}
 */
public record VirtualShards(long examples, int count) implements Serializable {
    public VirtualShards {
        if (examples <= 0 || count <= 0 || count > examples) {
            throw new IllegalArgumentException("cannot cut " + examples + " examples into " + count + " shards");
        }
    }

    /** {@code configured} shards (data.virtual-shards), or one per example if there are fewer examples. */
    public static VirtualShards of(long examples, int configured) {
        return new VirtualShards(examples, (int) Math.min(configured, examples));
    }

    /** The shard row {@code row} belongs to. */
    public int shardOf(long row) {
        return (int) (row % count);
    }

    /** Examples in shard {@code shard}. */
    public int shardSize(int shard) {
        return Math.toIntExact(examples / count + (shard < examples % count ? 1 : 0));
    }

    /** The row at position {@code position} of shard {@code shard}. */
    public long row(int shard, long position) {
        return shard + position * count;
    }

    /** The worker (of {@code workers}) that holds row {@code row}. */
    public int owner(long row, int workers) {
        return shardOf(row) % workers;
    }

    /** The number of shards worker {@code worker} of {@code workers} holds. */
    public int shardsOf(int worker, int workers) {
        return count / workers + (worker < count % workers ? 1 : 0);
    }

    /** Rows worker {@code worker} of {@code workers} holds. */
    public long localSize(int worker, int workers) {
        long full = examples / count; // rounds in which every shard has an element
        int partial = (int) (examples % count); // shards 0..partial-1 have one more
        long inPartial = partial <= worker ? 0 : (partial - 1 - worker) / workers + 1;
        return full * shardsOf(worker, workers) + inPartial;
    }

    /** Where its owner stores row {@code row}: rows are stored in ascending order. */
    public long localIndex(long row, int workers) {
        int shard = shardOf(row);
        return (row / count) * shardsOf(shard % workers, workers) + shard / workers;
    }

    /** The row at local index {@code index} of worker {@code worker} of {@code workers}: the inverse of localIndex. */
    public long rowAt(int worker, int workers, long index) {
        int mine = shardsOf(worker, workers);
        return worker + (long) (index % mine) * workers + (index / mine) * count;
    }

    /** Checks that each of {@code workers} workers holds at least one shard; names the key to change if not. */
    public void checkWorkers(int workers) {
        if (workers > count) {
            throw new org.sparkddp.common.error.InvalidConfigException("training.workers", "is " + workers
                    + " but the training examples are cut into " + count + " virtual shards (data.virtual-shards,"
                    + " at most one per example) and each worker holds whole shards; raise data.virtual-shards or"
                    + " lower training.workers");
        }
    }
}
