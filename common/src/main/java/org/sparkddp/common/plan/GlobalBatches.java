package org.sparkddp.common.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The global minibatches of a run, as example indices into the whole training data, in the order
 * {@link EpochPlan} takes them. They depend on the data, the seed, the batch size and the virtual shards alone,
 * so a single machine trains on exactly the same examples as any number of workers, which is how distributed
 * results are checked against plain DL4J.
 */
public final class GlobalBatches {
    private GlobalBatches() {
    }

    /**
     * @param virtualShards data.virtual-shards (capped at the number of examples here)
     * @param maxIterations stop after this many batches in all
     */
    public static List<int[]> of(int numExamples, int virtualShards, long seed, int batchSize, int epochs,
                                 long maxIterations) {
        VirtualShards shards = VirtualShards.of(numExamples, virtualShards);
        List<int[]> batches = new ArrayList<>();
        for (int epoch = 0; epoch < epochs && batches.size() < maxIterations; epoch++) {
            EpochPlan plan = new EpochPlan(seed, epoch, shards, batchSize);
            int[][] orders = plan.allOrders();
            for (int t = 0; t < plan.iterations() && batches.size() < maxIterations; t++) {
                long[] rows = plan.globalRows(t, orders);
                int[] batch = new int[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    batch[i] = Math.toIntExact(rows[i]);
                }
                batches.add(batch);
            }
        }
        return batches;
    }

    /**
     * The same batches, each as the workers' shares: element {@code [w]} is worker w's rows, as indices into the
     * whole training data, in the order that worker feeds them.
     */
    public static List<int[][]> shares(int numExamples, int virtualShards, int workers, long seed, int batchSize,
                                       int epochs, long maxIterations) {
        VirtualShards shards = VirtualShards.of(numExamples, virtualShards);
        List<int[][]> batches = new ArrayList<>();
        for (int[] batch : of(numExamples, virtualShards, seed, batchSize, epochs, maxIterations)) {
            int[] counts = new int[workers];
            for (int row : batch) {
                counts[shards.owner(row, workers)]++;
            }
            int[][] share = new int[workers][];
            for (int w = 0; w < workers; w++) {
                share[w] = new int[counts[w]];
            }
            int[] filled = new int[workers];
            for (int row : batch) {
                int w = shards.owner(row, workers);
                share[w][filled[w]++] = row;
            }
            batches.add(share);
        }
        return batches;
    }
}
