package org.sparkddp.common.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * The global minibatches of a run, as example indices into the whole dataset, in the order distributed
 * training uses them: for each iteration, worker 0's share, then worker 1's, and so on. Lets a single machine
 * train on exactly the same examples, which is how distributed results are checked against plain DL4J.
 */
public final class GlobalBatches {
    private GlobalBatches() {
    }

    /**
     * @param maxIterations stop after this many batches in all
     */
    public static List<int[]> of(int numExamples, int workers, long seed, int batchSize, int epochs,
                                 long maxIterations) {
        List<int[]> batches = new ArrayList<>();
        for (int[][] shares : shares(numExamples, workers, seed, batchSize, epochs, maxIterations)) {
            batches.add(java.util.Arrays.stream(shares).flatMapToInt(java.util.Arrays::stream).toArray());
        }
        return batches;
    }

    /** The same batches, each as the workers' shares: element {@code [w]} is worker w's rows, as dataset indices. */
    public static List<int[][]> shares(int numExamples, int workers, long seed, int batchSize, int epochs,
                                       long maxIterations) {
        ShardLayout layout = ShardLayout.balanced(numExamples, workers, seed);
        int[][] members = new int[workers][];
        for (int w = 0; w < workers; w++) {
            members[w] = layout.members(w);
        }
        List<int[][]> batches = new ArrayList<>();
        for (int epoch = 0; epoch < epochs && batches.size() < maxIterations; epoch++) {
            EpochPlan plan = new EpochPlan(seed, epoch, layout.shardSizes(), batchSize);
            int[][] orders = new int[workers][];
            for (int w = 0; w < workers; w++) {
                orders[w] = plan.shardOrder(w);
            }
            for (int t = 0; t < plan.iterations() && batches.size() < maxIterations; t++) {
                int[][] shares = new int[workers][];
                for (int w = 0; w < workers; w++) {
                    int[] rows = plan.rows(orders[w], w, t);
                    shares[w] = new int[rows.length];
                    for (int i = 0; i < rows.length; i++) {
                        shares[w][i] = members[w][rows[i]];
                    }
                }
                batches.add(shares);
            }
        }
        return batches;
    }
}
