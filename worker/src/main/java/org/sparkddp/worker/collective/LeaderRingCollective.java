package org.sparkddp.worker.collective;

/**
 * What the two collectives with a leaders' ring share, {@link HierarchicalCollective} (a host's ranks around their
 * host's leader) and {@link JvmLevelCollective} (a JVM's ranks around their JVM's leader): the rank, ownership by
 * group (each group's weighted chunk, cut among its ranks), and the entry points, which pass a gradient's length to
 * the subclass's reduce so that the leaders' ring can round just the gradient (bf16), or -1 for a plain vector.
 * Runs on executors.
 */
abstract class LeaderRingCollective implements Collective {
    final int rank;
    /** The ranks grouped by host or JVM, as every rank builds them from the exchange. */
    final HostGroups groups;
    /** The leaders' ring (a ring of one when there is one group); null on a rank that is not its group's leader. */
    final RingCollective leaders;
    /** Weighted chunk per group, in ring chunk order (group h owns chunk (h + 1) % H), cut among its ranks. */
    private final GroupedOwnership ownership;

    LeaderRingCollective(int rank, HostGroups groups, RingCollective leaders) {
        this.rank = rank;
        this.groups = groups;
        this.leaders = leaders;
        this.ownership = new GroupedOwnership(groups);
    }

    /**
     * The reduce-scatter: the group's sum on its leader, the leaders' reduce-scatter, then each rank's sub-range.
     *
     * @param gradient floats at the start that are a gradient, for the leaders' ring; -1 for none
     */
    abstract void reduceScatter(FloatVector vector, long gradient);

    /** The all-reduce, with the gradient's length as in {@link #reduceScatter(FloatVector, long)}. */
    abstract void allReduce(FloatVector vector, long gradient);

    final boolean leader() {
        return leaders != null;
    }

    @Override
    public final int rank() {
        return rank;
    }

    @Override
    public final int size() {
        return groups.size();
    }

    @Override
    public final long ownedFrom(int r, long n) {
        return ownership.ownedFrom(r, n);
    }

    @Override
    public final long ownedTo(int r, long n) {
        return ownership.ownedTo(r, n);
    }

    @Override
    public final void reduceScatter(FloatVector vector) {
        reduceScatter(vector, -1);
    }

    @Override
    public final void reduceScatterGradient(FloatVector vector, long gradient) {
        RingCollective.checkGradient(vector, gradient);
        reduceScatter(vector, gradient);
    }

    @Override
    public final void allReduce(FloatVector vector) {
        allReduce(vector, -1);
    }

    @Override
    public final void allReduceGradient(FloatVector vector, long gradient) {
        RingCollective.checkGradient(vector, gradient);
        allReduce(vector, gradient);
    }
}
