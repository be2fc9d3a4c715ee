package org.sparkddp.common.plan;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The minibatches of one epoch: for each iteration, which rows of its shard each worker uses.
 *
 * <p>Each worker shuffles its own shard with a seed derived from ({@code seed}, epoch, worker) and walks it in
 * runs of its local batch size, so every example is used exactly once per epoch, without replacement. The
 * global batch of iteration {@code t} is the union of the workers' runs {@code t}. The global batch size is
 * split as evenly as possible: worker {@code w} takes {@code B / W}, plus one if {@code w < B % W}.
 *
 * <p>Every worker computes the same number of iterations (the largest any shard needs), so that they stay in
 * lock step; a worker whose shard runs out early contributes an empty share to the last iteration.
 *
 * <p>Pure and cheap to build: the driver, each executor and the single-machine reference all rebuild it.
 */
public final class EpochPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final int epoch;
    private final int[] shardSizes;
    private final int[] localBatch;
    private final int iterations;

    public EpochPlan(long seed, int epoch, int[] shardSizes, int globalBatchSize) {
        int workers = shardSizes.length;
        if (globalBatchSize < workers) {
            throw new IllegalArgumentException("batch size " + globalBatchSize + " < workers " + workers);
        }
        this.seed = seed;
        this.epoch = epoch;
        this.shardSizes = shardSizes.clone();
        this.localBatch = new int[workers];
        int most = 0;
        for (int w = 0; w < workers; w++) {
            localBatch[w] = globalBatchSize / workers + (w < globalBatchSize % workers ? 1 : 0);
            most = Math.max(most, ceilDiv(shardSizes[w], localBatch[w]));
        }
        this.iterations = most;
    }

    public int epoch() {
        return epoch;
    }

    public int workers() {
        return shardSizes.length;
    }

    /** Iterations (optimizer steps) in this epoch. */
    public int iterations() {
        return iterations;
    }

    public int localBatchSize(int worker) {
        return localBatch[worker];
    }

    /** The order in which {@code worker} visits its shard this epoch. */
    public int[] shardOrder(int worker) {
        return Permutations.of(shardSizes[worker], Seeds.derive(seed, Seeds.EPOCH_SHUFFLE, epoch, worker));
    }

    /**
     * Rows of the worker's shard used in {@code iteration}, given its {@link #shardOrder}. May be empty in the
     * last iteration of an epoch.
     */
    public int[] rows(int[] shardOrder, int worker, int iteration) {
        int from = Math.min(iteration * localBatch[worker], shardSizes[worker]);
        int to = Math.min(from + localBatch[worker], shardSizes[worker]);
        return Arrays.copyOfRange(shardOrder, from, to);
    }

    /** Examples in the global batch of {@code iteration}, summed over the workers. */
    public int globalCount(int iteration) {
        int total = 0;
        for (int w = 0; w < shardSizes.length; w++) {
            int from = Math.min(iteration * localBatch[w], shardSizes[w]);
            total += Math.min(from + localBatch[w], shardSizes[w]) - from;
        }
        return total;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
