package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.sparkddp.common.config.WireFormat;

/**
 * A two-level collective for ranks that run in several JVMs, some JVMs running several (executors with
 * {@code spark.executor.cores} > 1), where JVMs run unequal numbers of ranks (where they run as many,
 * {@link Collectives} connects {@link TorusCollective#connectJvms}, whose every rank takes part across JVMs for its
 * share, instead of one leader for all): the ranks of one JVM sum through shared memory ({@link InMemoryCollective}),
 * one leader per JVM (its lowest rank) runs the {@link RingCollective} across JVMs, and the ranks of each JVM read
 * the result from their leader's vector. Runs on executors, inside barrier tasks.
 *
 * <p>Per call, the local level moves no bytes over sockets: for a reduce-scatter, local rank {@code j} of {@code m}
 * sums slice {@code j} (of {@code m}) of the whole vector over its JVM's vectors, in rank order, into the leader's
 * vector; the leaders' ring reduce-scatters; each rank copies its owned range from the leader's vector. An
 * all-gather runs the other way. Only leaders send between JVMs.
 *
 * <p>Ownership, as {@link HierarchicalCollective}'s with JVMs for hosts: the ring cuts the vector into one chunk
 * per JVM weighted by its rank count, and each JVM's chunk is cut into one sub-range per local rank, so every rank
 * owns about {@code 1/W}. Order of additions: a JVM's ranks in ascending rank order, then the ring's order across
 * JVMs; the same bits on every rank and every run with the same JVMs.
 *
 * <p>With {@code training.wire = bf16}, gradients cross the leaders' ring as bf16, each leader's error feedback
 * correcting its JVM's sum; inside a JVM they are summed and copied as fp32.
 */
final class JvmLevelCollective extends LeaderRingCollective {
    private final int jvm;
    private final InMemoryCollective local;
    private final Chunks localSlices;
    private final WireFormat wire;

    private JvmLevelCollective(int rank, HostGroups jvms, InMemoryCollective local, RingCollective leaders,
                               WireFormat wire) {
        super(rank, jvms, leaders);
        this.jvm = jvms.hostOf(rank);
        this.local = local;
        this.localSlices = Chunks.equal(jvms.ranksOn(jvm).length);
        this.wire = wire;
    }

    /**
     * Joins this JVM's local group and, on a leader, connects the leaders' ring: it dials the next JVM's leader and
     * accepts the previous one's, as {@link HierarchicalCollective} connects hosts' leaders.
     *
     * @param jvms      the ranks grouped by JVM id, as every rank builds them from the exchange
     * @param stage     names the stage attempt, for the local group's key
     * @param wire      how gradients cross the leaders' ring
     */
    static JvmLevelCollective connect(int rank, HostGroups jvms, String[] addresses, ServerSocketChannel server,
                                      WireSecret secret, String stage, Duration timeout, BooleanSupplier cancelled,
                                      Pieces.Sizes pieces, WireFormat wire) throws IOException {
        int h = jvms.hostOf(rank);
        int[] locals = jvms.ranksOn(h);
        InMemoryCollective local = LocalGroups.join(stage + " jvm " + h + " " + String.join(",", addresses),
                jvms.localIndex(rank), locals.length, timeout, cancelled);
        if (rank != locals[0]) {
            return new JvmLevelCollective(rank, jvms, local, null, wire);
        }
        int count = jvms.hosts();
        try {
            RingCollective ring = PeerRing.ringOf(rank, h, new Chunks(GroupedOwnership.ringWeights(jvms)),
                    jvms.leader((h + 1) % count), jvms.leader(Math.floorMod(h - 1, count)),
                    new String[] {"the next JVM's leader", "the previous JVM's leader"}, server, addresses, secret,
                    timeout, cancelled, pieces, wire);
            return new JvmLevelCollective(rank, jvms, local, ring, wire);
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
    }

    /** The leader's vector, into which the JVM's ranks sum and from which they read the ring's result. */
    private FloatVector leaderVector() {
        return local.published(0);
    }

    /**
     * As the whole vector's reduce-scatter, each step cut down to {@code [from, to)}: each local rank sums its slice's
     * part of the range into the leader's vector, the leaders' ring reduce-scatters the range, and each local rank
     * copies its owned part of it back. Element by element the same additions in the same order, so the same bits.
     */
    @Override
    public void reduceScatter(FloatVector vector, long from, long to) {
        if (rangesUnsupported() != null) {
            throw new UnsupportedOperationException(rangesUnsupported());
        }
        reduceScatter(vector, -1, from, to);
    }

    /** As above for a gradient: the leaders' ring runs its bf16 reduce-scatter cut down to the range. */
    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient, long from, long to) {
        RingCollective.checkGradient(vector, gradient);
        reduceScatter(vector, gradient, from, to);
    }

    /** Null: inside a JVM floats are summed as fp32, and the leaders' ring cuts a gradient whatever its wire. */
    @Override
    public String gradientRangesUnsupported() {
        return null;
    }

    /** The ranged reduce-scatter; {@code gradient}: floats that are a gradient, for the leaders' ring, or -1. */
    private void reduceScatter(FloatVector vector, long gradient, long from, long to) {
        String phase = "reduce-scatter";
        local.call(phase, deadline -> {
            long n = local.publish(vector, phase, deadline);
            Collective.checkRange(from, to, n);
            int j = groups.localIndex(rank);
            sumPart(Math.max(from, localSlices.start(n, j)), Math.min(to, localSlices.end(n, j)));
            local.await(phase); // the leader's vector holds the JVM's sum of the range
            if (leader() && gradient >= 0) {
                leaders.reduceScatterGradient(vector, gradient, from, to);
            } else if (leader()) {
                leaders.reduceScatter(vector, from, to);
            }
            local.await(phase); // the leader holds this JVM's chunk of the range's sum
            long a = Math.max(from, ownedFrom(n));
            long b = Math.min(to, ownedTo(n));
            if (!leader() && a < b) {
                vector.copyFrom(leaderVector(), a, b);
            }
            local.await(phase);
        });
    }

    private void sumPart(long from, long to) {
        if (from < to) {
            local.sumInto(leaderVector(), from, to);
        }
    }

    /**
     * The leaders' ring cuts any vector where it runs fp32, and only gradients where it runs bf16 (their error
     * feedback and rounding are element-wise); on one host nothing crosses a ring in bf16, whatever training.wire says.
     */
    @Override
    public String rangesUnsupported() {
        return gradientWire() == WireFormat.BF16 ? "training.wire = bf16 reduces other vectors whole across JVMs" : null;
    }

    @Override
    public WireFormat gradientWire() {
        return groups.hosts() > 1 ? wire : WireFormat.FP32;
    }

    @Override
    void reduceScatter(FloatVector vector, long gradient) {
        String phase = "reduce-scatter";
        local.call(phase, deadline -> {
            long n = sumOnJvm(vector, phase, deadline);
            if (leader() && gradient >= 0) {
                leaders.reduceScatterGradient(vector, gradient);
            } else if (leader()) {
                leaders.reduceScatter(vector);
            }
            local.await(phase); // the leader holds this JVM's chunk of the sum
            if (!leader()) {
                vector.copyFrom(leaderVector(), ownedFrom(n), ownedTo(n));
            }
            local.await(phase);
        });
    }

    @Override
    public void allGather(FloatVector vector) {
        String phase = "all-gather";
        local.call(phase, deadline -> {
            long n = local.publish(vector, phase, deadline);
            if (!leader()) {
                leaderVector().copyFrom(vector, ownedFrom(n), ownedTo(n));
            }
            local.await(phase); // the leader holds this JVM's chunk
            if (leader()) {
                leaders.allGather(vector);
            }
            local.await(phase);
            if (!leader()) {
                vector.copyFrom(leaderVector(), 0, ownedFrom(n));
                vector.copyFrom(leaderVector(), ownedTo(n), n);
            }
            local.await(phase);
        });
    }

    @Override
    void allReduce(FloatVector vector, long gradient) {
        String phase = "all-reduce";
        local.call(phase, deadline -> {
            long n = sumOnJvm(vector, phase, deadline);
            if (leader() && gradient >= 0) {
                leaders.allReduceGradient(vector, gradient);
            } else if (leader()) {
                leaders.allReduce(vector);
            }
            local.await(phase);
            if (!leader()) {
                vector.copyFrom(leaderVector(), 0, n);
            }
            local.await(phase);
        });
    }

    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + size());
        }
        String phase = "broadcast";
        int rootJvm = groups.hostOf(root);
        local.call(phase, deadline -> {
            long n = local.publish(vector, phase, deadline);
            if (leader() && jvm == rootJvm && rank != root) {
                vector.copyFrom(local.published(groups.localIndex(root)), 0, n);
            }
            local.await(phase);
            if (leader()) {
                leaders.broadcast(vector, rootJvm);
            }
            local.await(phase);
            if (!leader() && rank != root) {
                vector.copyFrom(leaderVector(), 0, n);
            }
            local.await(phase);
        });
    }

    /**
     * Publishes every local rank's vector; each local rank sums its slice of the whole vector over them, in rank
     * order, into the leader's vector.
     */
    private long sumOnJvm(FloatVector vector, String phase, Deadline deadline) {
        long n = local.publish(vector, phase, deadline);
        int j = groups.localIndex(rank);
        local.sumInto(leaderVector(), localSlices.start(n, j), localSlices.end(n, j));
        local.await(phase); // the leader's vector holds the JVM's sum
        return n;
    }

    @Override
    public void close() {
        if (leaders != null) {
            leaders.close();
        }
        local.close();
    }
}
