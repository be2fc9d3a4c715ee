package org.sparkddp.common.plan;

import java.io.Serializable;

/**
 * The global minibatches of one epoch, and each worker's part of them.
 *
 * <p>Every epoch each virtual shard ({@link VirtualShards}) is shuffled with a seed derived from ({@code seed},
 * epoch, shard). The epoch then walks the positions {@code p = 0 .. N-1}, position {@code p} taking element
 * {@code p / V} (in that epoch's order) of shard {@code p % V}; iteration {@code t} takes positions
 * {@code [tB, tB + B)}. So every example is used exactly once per epoch, without replacement; every iteration but
 * the epoch's last carries exactly {@code B} examples; each global batch holds the same slice of every shard; and
 * none of it depends on the number of workers. A worker contributes the positions whose shard it holds, which
 * are interleaved, so every worker has its share ({@code B / W}, give or take the shards' rounding) of every
 * batch, in one local minibatch.
 *
 * <p>Pure and cheap to build: the driver, each executor and the single-machine reference all rebuild it.
 */
public final class EpochPlan implements Serializable {
    private static final long serialVersionUID = 2L;

    private final long seed;
    private final int epoch;
    private final VirtualShards shards;
    private final int batchSize;
    private final int iterations;

    public EpochPlan(long seed, int epoch, VirtualShards shards, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size " + batchSize);
        }
        this.seed = seed;
        this.epoch = epoch;
        this.shards = shards;
        this.batchSize = batchSize;
        this.iterations = Math.toIntExact((shards.examples() + batchSize - 1) / batchSize);
    }

    public int epoch() {
        return epoch;
    }

    public VirtualShards shards() {
        return shards;
    }

    /** Iterations (optimizer steps) in this epoch: the examples over the batch size, rounded up. */
    public int iterations() {
        return iterations;
    }

    /** Examples in the global batch of {@code iteration}: the batch size, except perhaps in the epoch's last. */
    public int globalCount(int iteration) {
        return (int) Math.min(batchSize, shards.examples() - (long) iteration * batchSize);
    }

    /** The order in which shard {@code shard} is visited this epoch: positions within the shard. */
    int[] shardOrder(int shard) {
        return Permutations.of(shards.shardSize(shard), Seeds.derive(seed, Seeds.EPOCH_SHUFFLE, epoch, shard));
    }

    /**
     * The most examples worker {@code worker} of {@code workers} contributes to any batch: each shard appears at
     * most {@code ceil(B / V)} times in a batch.
     */
    public int maxLocalBatch(int worker, int workers) {
        long perShard = (batchSize + shards.count() - 1) / shards.count();
        return (int) Math.min(batchSize, perShard * shards.shardsOf(worker, workers));
    }

    /** Worker {@code worker}'s part of this epoch: the local rows of its shards it feeds each iteration. */
    public Worker worker(int worker, int workers) {
        return new Worker(worker, workers);
    }

    /** The rows (of the whole training data) of the global batch of {@code iteration}, in position order. */
    public long[] globalRows(int iteration, int[][] orders) {
        long from = (long) iteration * batchSize;
        int n = globalCount(iteration);
        long[] rows = new long[n];
        for (int i = 0; i < n; i++) {
            long p = from + i;
            int shard = (int) (p % shards.count());
            rows[i] = shards.row(shard, orders[shard][(int) (p / shards.count())]);
        }
        return rows;
    }

    /** Every shard's order this epoch, for {@link #globalRows}: the single-machine reference's view. */
    public int[][] allOrders() {
        int[][] orders = new int[shards.count()][];
        for (int v = 0; v < orders.length; v++) {
            orders[v] = shardOrder(v);
        }
        return orders;
    }

    /** One worker's epoch: the orders of the shards it holds, and its rows in each iteration. Runs on an executor. */
    public final class Worker {
        private final int worker;
        private final int workers;
        private final int mine;
        /** The epoch's order of each shard this worker holds, by the shard's local ordinal {@code v / W}. */
        private final int[][] orders;

        private Worker(int worker, int workers) {
            shards.checkWorkers(workers);
            this.worker = worker;
            this.workers = workers;
            this.mine = shards.shardsOf(worker, workers);
            this.orders = new int[mine][];
            for (int q = 0; q < mine; q++) {
                orders[q] = shardOrder(worker + q * workers);
            }
        }

        /**
         * Local indices (into this worker's shard, ascending row order) of its examples in {@code iteration}, in
         * position order. May be empty when the batch is smaller than the number of shards.
         */
        public int[] rows(int iteration) {
            long from = (long) iteration * batchSize;
            int n = globalCount(iteration);
            int count = 0;
            int[] out = new int[maxLocalBatch(worker, workers)];
            for (int i = 0; i < n; i++) {
                long p = from + i;
                int shard = (int) (p % shards.count());
                if (shard % workers != worker) {
                    continue;
                }
                int q = shard / workers;
                long position = orders[q][(int) (p / shards.count())];
                out[count++] = Math.toIntExact(position * mine + q);
            }
            return java.util.Arrays.copyOf(out, count);
        }
    }
}
