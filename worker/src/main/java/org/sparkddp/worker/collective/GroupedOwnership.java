package org.sparkddp.worker.collective;

/**
 * Which range of a vector each rank owns after a two-level reduce-scatter: the groups' leaders (one per host in
 * {@link HierarchicalCollective}, one per JVM in {@link JvmLevelCollective}) reduce-scatter over a ring whose
 * chunks are weighted by each group's rank count, then each group's ranks split their leader's chunk evenly. Runs
 * on executors; the same on every rank, since it depends only on the groups every rank built from the exchange.
 *
 * <p>Ring chunk c belongs to group c - 1 (ring rank r owns chunk r + 1 after a reduce-scatter).
 */
final class GroupedOwnership {
    private final HostGroups groups;
    private final Chunks ringChunks;

    GroupedOwnership(HostGroups groups) {
        this.groups = groups;
        this.ringChunks = new Chunks(ringWeights(groups));
    }

    /** The leaders' ring's chunk weights: chunk c, group c - 1's, weighs as many as that group's ranks. */
    static int[] ringWeights(HostGroups groups) {
        int count = groups.hosts();
        int[] weights = new int[count];
        for (int c = 0; c < count; c++) {
            weights[c] = groups.ranksOn(Math.floorMod(c - 1, count)).length;
        }
        return weights;
    }

    /** First element rank {@code r} owns of a vector of {@code n}. */
    long ownedFrom(int r, long n) {
        long[] range = groupRange(groups.hostOf(r), n);
        int m = groups.ranksOn(groups.hostOf(r)).length;
        return range[0] + (range[1] - range[0]) * groups.localIndex(r) / m;
    }

    /** One past the last element rank {@code r} owns of a vector of {@code n}. */
    long ownedTo(int r, long n) {
        long[] range = groupRange(groups.hostOf(r), n);
        int m = groups.ranksOn(groups.hostOf(r)).length;
        return range[0] + (range[1] - range[0]) * (groups.localIndex(r) + 1) / m;
    }

    /** Group {@code h}'s chunk: what its leader owns after the leaders' reduce-scatter. */
    private long[] groupRange(int h, long n) {
        int chunk = (h + 1) % groups.hosts();
        return new long[] {ringChunks.start(n, chunk), ringChunks.end(n, chunk)};
    }
}
