package org.sparkddp.common.plan;

import java.util.Arrays;

/**
 * Which examples each worker's shard holds: a seeded random split into {@code workers} shards whose sizes
 * differ by at most one. Computed on the driver; the same layout lets a single-machine reference rebuild every
 * global minibatch.
 */
public final class ShardLayout {
    private final int numExamples;
    private final int[][] members;

    private ShardLayout(int numExamples, int[][] members) {
        this.numExamples = numExamples;
        this.members = members;
    }

    /** Shuffles the example indices with a seed derived from {@code seed}, then cuts them into equal runs. */
    public static ShardLayout balanced(int numExamples, int workers, long seed) {
        if (workers <= 0 || numExamples < workers) {
            throw new IllegalArgumentException("cannot split " + numExamples + " examples into " + workers + " shards");
        }
        int[] order = Permutations.of(numExamples, Seeds.derive(seed, Seeds.SHARD_ASSIGNMENT));
        int[][] members = new int[workers][];
        int start = 0;
        for (int w = 0; w < workers; w++) {
            int size = numExamples / workers + (w < numExamples % workers ? 1 : 0);
            members[w] = Arrays.copyOfRange(order, start, start + size);
            // Sorted, so a shard's content does not depend on the shuffle's order; epochs shuffle it anyway.
            Arrays.sort(members[w]);
            start += size;
        }
        return new ShardLayout(numExamples, members);
    }

    public int numExamples() {
        return numExamples;
    }

    public int workers() {
        return members.length;
    }

    /** Global indices of the examples in shard {@code worker}, ascending. */
    public int[] members(int worker) {
        return members[worker].clone();
    }

    public int[] shardSizes() {
        int[] sizes = new int[members.length];
        for (int w = 0; w < members.length; w++) {
            sizes[w] = members[w].length;
        }
        return sizes;
    }
}
