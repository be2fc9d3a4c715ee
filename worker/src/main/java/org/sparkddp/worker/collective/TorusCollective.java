package org.sparkddp.worker.collective;

import static org.sparkddp.worker.collective.PeerRing.peerName;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.sparkddp.common.config.WireFormat;

/**
 * The hierarchical collective for H hosts that each run the same number m of ranks: the two-dimensional ring of
 * Mikami et al. ("Massively distributed SGD: ImageNet/ResNet-50 training in a flash", 2018; Horovod's and NCCL's
 * hierarchical all-reduce with every local rank taking part across hosts). Runs on executors, inside a barrier task.
 *
 * <p>An all-reduce of {@code n} floats is three steps, each a {@link RingCollective}:
 * <ol>
 *   <li>in the host: the m ranks reduce-scatter over a ring in local-index order (local index = position among the
 *       host's ranks, ascending), so local index {@code j} holds the host's sum of local chunk {@code (j + 1) % m},
 *       {@code n / m} floats;</li>
 *   <li>across hosts: local index {@code j} of every host, in host order, all-reduces that local chunk over a ring
 *       of H (m such rings at once, each over {@code 1/m} of the vector); gradients may cross as bf16 here;</li>
 *   <li>in the host: the m ranks all-gather their local chunks.</li>
 * </ol>
 * A reduce-scatter stops after the rings across hosts have reduce-scattered (step 2's first half), an all-gather
 * runs step 2's second half and step 3. Every rank sends {@code 2 (m-1)/m} of the vector to its host's ranks and
 * {@code 2 (H-1)/H} of {@code 1/m} of it across hosts per all-reduce: no rank carries its host's traffic alone, as
 * the leader of {@link HierarchicalCollective} does.
 *
 * <p>Ownership: the vector is cut into W = H m equal chunks ({@link Chunks#equal}); rank (host h, local index j)
 * owns chunk {@code ((j + 1) % m) H + (h + 1) % H}, which lies in its local chunk, the host-ring's cut into m being
 * the same boundaries. Every rank can compute every rank's range from the host groups.
 *
 * <p>Order of additions, fixed by the rings: a float of local chunk {@code L} is summed on each host from local
 * index {@code L} onwards around the host's ring ({@code x[L] + x[L+1]}, then {@code + x[L+2]}, ... up to local
 * index {@code L - 1}); a float of global chunk {@code L H + c} then sums the host sums from host {@code c} onwards
 * around the hosts' ring, ending at host {@code c - 1}. The same bits on every rank and every run with the same
 * hosts; not the flat ring's nor the leader scheme's bits (the order differs).
 *
 * <p>With {@code training.wire = bf16}, gradients cross the rings across hosts as bf16, each rank's error feedback
 * correcting its part of its host's sum; inside a host they move as fp32 (after an all-reduce they hold bf16 values).
 *
 * <p>The same levels serve J JVMs that each run m ranks ({@link #connectJvms}: executors with several cores, chosen
 * for {@code shared-memory} and {@code auto}): the first and last steps run in the JVM's shared memory
 * ({@link InMemoryCollective}: local index j sums local chunk j over its JVM's vectors in rank order, and copies
 * the others' chunks back), and local index j of every JVM runs the ring across JVMs over local chunk j, as above.
 * This is Horovod's and NCCL's hierarchical all-reduce (every member of a group takes part in the level above for
 * its 1/m of the vector) rather than a ring of one leader per JVM ({@link JvmLevelCollective}, for JVMs that run
 * unequal numbers of ranks): the bytes on each host's link are the same, 2 (J-1)/J of the vector, but m ranks
 * send, receive and add them, 1/m each, instead of one rank all of them; each rank owns chunk
 * {@code j J + (h + 1) % J}, and a float of local chunk j is summed over its JVM in rank order, then around the
 * ring across JVMs as above.
 *
 * <p>Every wait is bounded by the rings' {@link Transfers} (and, for JVMs, the in-memory group's barrier); a peer
 * that fails or goes silent fails the call with a {@link PeerFailureException} naming it, and the task's failure
 * closes this rank's sockets, failing its peers; for JVMs, a failure across JVMs also fails the JVM's other ranks
 * at once.
 *
 * <p>Why one class of just over 400 lines: the two placements (hosts over rings, JVMs over shared memory) run the
 * same three steps with the same ownership rule, and split in two each would carry a copy of that rule.
 */
final class TorusCollective implements Collective {
    private final int rank;
    private final HostGroups groups;
    private final int hosts;
    private final int perHost;
    /**
     * The host's ranks: a ring (a ring of one on a host of one rank), fp32; or, for JVMs, their shared memory
     * ({@link #shared}).
     */
    private final Collective inHost;
    /** The ring of this local index's ranks across hosts (a ring of one on one host). */
    private final RingCollective acrossHosts;
    /** For JVMs, the JVM's in-memory group (which is {@link #inHost}); null over sockets. */
    private final InMemoryCollective shared;
    private final Chunks cut;

    private TorusCollective(int rank, HostGroups groups, Collective inHost, RingCollective acrossHosts,
                            InMemoryCollective shared) {
        this.rank = rank;
        this.groups = groups;
        this.hosts = groups.hosts();
        this.perHost = groups.ranksOn(0).length;
        this.inHost = inHost;
        this.acrossHosts = acrossHosts;
        this.shared = shared;
        this.cut = Chunks.equal(groups.size());
    }

    /** Whether every host runs the same number of ranks, which this collective needs; else see {@link #unequal}. */
    static boolean fits(HostGroups groups) {
        return unequal(groups) == null;
    }

    /** Why this collective does not fit the groups ("hosts run 3, 2 ranks"), or null if it does. */
    static String unequal(HostGroups groups) {
        int m = groups.ranksOn(0).length;
        StringBuilder counts = new StringBuilder();
        boolean equal = true;
        for (int h = 0; h < groups.hosts(); h++) {
            int count = groups.ranksOn(h).length;
            equal &= count == m;
            counts.append(h == 0 ? "" : ", ").append(count);
        }
        return equal ? null : "hosts run " + counts + " ranks";
    }

    /**
     * Connects this rank: it dials the next rank of its host's ring and the rank of its local index on the next
     * host, and accepts the previous ones, each connection opening with a {@link Handshake}.
     *
     * @param server this rank's listening socket, whose address is {@code addresses[rank]}
     * @param pieces floats per piece of a transfer (tests force them low)
     * @param wire   how gradients cross the rings across hosts
     */
    static TorusCollective connect(int rank, HostGroups groups, String[] addresses, ServerSocketChannel server,
                                   WireSecret secret, Duration timeout, BooleanSupplier cancelled,
                                   Pieces.Sizes pieces, WireFormat wire) throws IOException {
        String why = unequal(groups);
        if (why != null) {
            throw new IllegalArgumentException("the torus collective needs equal hosts, but " + why);
        }
        int h = groups.hostOf(rank);
        int j = groups.localIndex(rank);
        int m = groups.ranksOn(h).length;
        int count = groups.hosts();
        int[] locals = groups.ranksOn(h);
        int localNext = locals[(j + 1) % m];
        int localPrevious = locals[Math.floorMod(j - 1, m)];
        int hostNext = groups.ranksOn((h + 1) % count)[j];
        int hostPrevious = groups.ranksOn(Math.floorMod(h - 1, count))[j];
        Deadline deadline = Deadline.after(timeout, cancelled);
        List<PeerRing.Dialing> dialings = new ArrayList<>();
        List<Link> opened = new ArrayList<>();
        RingCollective inHost = null; // closed on failure: its transfers hold a selector of their own
        try {
            // NOTE: dials run on threads of their own while this rank accepts: a dialer waits for its acceptor's
            // handshake answer, so ranks that all dialed first would wait in a circle.
            PeerRing.Dialing toLocalNext = m == 1 ? null : PeerRing.dialing(addresses[localNext],
                    "the next rank of its host, rank " + localNext, rank, localNext, secret, deadline);
            if (toLocalNext != null) {
                dialings.add(toLocalNext);
            }
            PeerRing.Dialing toHostNext = count == 1 ? null : PeerRing.dialing(addresses[hostNext],
                    "its peer on the next host, rank " + hostNext, rank, hostNext, secret, deadline);
            if (toHostNext != null) {
                dialings.add(toHostNext);
            }
            Map<Integer, String> expected = new HashMap<>();
            if (m > 1) {
                expected.put(localPrevious, "the previous rank of its host (" + peerName(localPrevious, addresses)
                        + ")");
            }
            if (count > 1) {
                expected.put(hostPrevious, "its peer on the previous host (" + peerName(hostPrevious, addresses) + ")");
            }
            Map<Integer, Link> accepted = PeerRing.accept(server, expected, secret, deadline, rank);
            opened.addAll(accepted.values());
            Link localLink = toLocalNext == null ? null : toLocalNext.get();
            if (localLink != null) {
                opened.add(localLink);
                dialings.remove(toLocalNext);
            }
            Link hostLink = toHostNext == null ? null : toHostNext.get();
            if (hostLink != null) {
                opened.add(hostLink);
                dialings.remove(toHostNext);
            }
            inHost = m == 1 ? RingCollective.single()
                    : new RingCollective("rank " + rank, j, Chunks.equal(m), localLink, peerName(localNext, addresses),
                            accepted.get(localPrevious), peerName(localPrevious, addresses), timeout, cancelled, pieces,
                            WireFormat.FP32);
            // Local index j owns local chunk (j + 1) % m: global chunks [L H, L H + H) of the equal cut into W.
            int localChunk = (j + 1) % m;
            RingCollective acrossHosts = count == 1 ? RingCollective.single()
                    : new RingCollective("rank " + rank, h, Chunks.window(groups.size(), localChunk * count, count),
                            hostLink, peerName(hostNext, addresses), accepted.get(hostPrevious),
                            peerName(hostPrevious, addresses), timeout, cancelled, pieces, wire);
            return new TorusCollective(rank, groups, inHost, acrossHosts, null);
        } catch (IOException | RuntimeException e) {
            dialings.forEach(PeerRing.Dialing::abandon);
            if (inHost != null) {
                inHost.close();
            }
            opened.forEach(PeerRing::closeQuietly);
            throw e;
        }
    }

    /**
     * Connects this rank as one of J JVMs that each run m ranks: it joins its JVM's in-memory group, whose local
     * index j owns local chunk j, and the ring of local index j across JVMs, dialing the next JVM's and accepting
     * the previous JVM's; then it waits for the JVM's other ranks to have connected theirs. The whole phase shares
     * one deadline of {@code timeout}, so a missing peer fails it within one timeout (a fresh one per wait took up to
     * two: a ring that connected late, then the first call's wait for a JVM-mate that never came).
     *
     * @param jvms  the ranks grouped by JVM id, as every rank builds them from the exchange; equal groups
     * @param stage names the stage attempt, for the in-memory group's key
     */
    static TorusCollective connectJvms(int rank, HostGroups jvms, String[] addresses, ServerSocketChannel server,
                                       WireSecret secret, String stage, Duration timeout, BooleanSupplier cancelled,
                                       Pieces.Sizes pieces, WireFormat wire) throws IOException {
        return connectJvms(rank, jvms, addresses, server, secret, stage, timeout, Deadline.after(timeout, cancelled),
                cancelled, pieces, wire);
    }

    /** As above, the connect phase within {@code connecting}; each later call waits up to {@code timeout}. */
    static TorusCollective connectJvms(int rank, HostGroups jvms, String[] addresses, ServerSocketChannel server,
                                       WireSecret secret, String stage, Duration timeout, Deadline connecting,
                                       BooleanSupplier cancelled, Pieces.Sizes pieces, WireFormat wire)
            throws IOException {
        String why = unequal(jvms);
        if (why != null) {
            throw new IllegalArgumentException("the torus collective needs equal JVMs, but " + why.replace("hosts",
                    "JVMs"));
        }
        int h = jvms.hostOf(rank);
        int j = jvms.localIndex(rank);
        int m = jvms.ranksOn(h).length;
        int count = jvms.hosts();
        InMemoryCollective local = LocalGroups.join(stage + " jvm " + h + " " + String.join(",", addresses), j, m,
                timeout, cancelled);
        RingCollective across = null;
        try {
            across = count == 1 ? RingCollective.single()
                    : PeerRing.ringOf(rank, h, Chunks.window(jvms.size(), j * count, count),
                            jvms.ranksOn((h + 1) % count)[j], jvms.ranksOn(Math.floorMod(h - 1, count))[j],
                            new String[] {"its peer in the next JVM", "its peer in the previous JVM"}, server,
                            addresses, secret, connecting, timeout, cancelled, pieces, wire);
            awaitJvmMates(local, rank, h, jvms.ranksOn(h), connecting);
            return new TorusCollective(rank, jvms, local, across, local);
        } catch (IOException | RuntimeException e) {
            local.close(); // first: the JVM's other ranks stop waiting for this one at once
            if (across != null) {
                across.close();
            }
            if (e instanceof PeerFailureException failed) {
                throw new PeerFailureException(failed.getMessage() + "; check that every task of the stage started "
                        + "and that the executors reach each other's addresses within training.sync-timeout ("
                        + connecting.timeout() + ")", failed);
            }
            throw e;
        }
    }

    /** Waits for the JVM's other ranks to connect; the group names them by local index, which the message maps. */
    private static void awaitJvmMates(InMemoryCollective local, int rank, int jvm, int[] ranks, Deadline connecting) {
        try {
            local.await("connecting", connecting);
        } catch (PeerFailureException e) {
            throw new PeerFailureException("rank " + rank + " (JVM " + jvm + ", whose local ranks are ranks "
                    + Arrays.toString(ranks) + "): local " + e.getMessage(), e);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return groups.size();
    }

    /**
     * Global chunk {@code L H + (h + 1) % H} of the equal cut into W, {@code L} the local chunk that local index
     * {@code j} owns: {@code (j + 1) % m} after a host's ring, {@code j} in a JVM's memory (see the class comment).
     */
    private int chunkOf(int r) {
        int j = groups.localIndex(r);
        int local = shared == null ? (j + 1) % perHost : j;
        return local * hosts + (groups.hostOf(r) + 1) % hosts;
    }

    /**
     * Runs a step of the ring across hosts; for JVMs, as a call of the in-memory group, so that a failure there
     * fails the JVM's other ranks at once rather than at their next barrier's timeout.
     */
    private void across(String phase, Runnable step) {
        if (shared == null) {
            step.run();
        } else {
            shared.call(phase + " across JVMs", deadline -> step.run());
        }
    }

    @Override
    public long ownedFrom(int r, long n) {
        return cut.start(n, chunkOf(r));
    }

    @Override
    public long ownedTo(int r, long n) {
        return cut.end(n, chunkOf(r));
    }

    /** The host's reduce-scatter, then the reduce-scatter of this rank's local chunk across hosts. */
    @Override
    public void reduceScatter(FloatVector vector) {
        inHost.reduceScatter(vector);
        across("reduce-scatter", () -> acrossHosts.reduceScatter(vector));
    }

    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient) {
        RingCollective.checkGradient(vector, gradient);
        inHost.reduceScatter(vector);
        across("reduce-scatter", () -> acrossHosts.reduceScatterGradient(vector, gradient));
    }

    /** The all-gather of this rank's local chunk across hosts, then the host's all-gather. */
    @Override
    public void allGather(FloatVector vector) {
        across("all-gather", () -> acrossHosts.allGather(vector));
        inHost.allGather(vector);
    }

    @Override
    public void allReduce(FloatVector vector) {
        inHost.reduceScatter(vector);
        across("all-reduce", () -> acrossHosts.allReduce(vector));
        inHost.allGather(vector);
    }

    @Override
    public void allReduceGradient(FloatVector vector, long gradient) {
        RingCollective.checkGradient(vector, gradient);
        inHost.reduceScatter(vector);
        across("all-reduce", () -> acrossHosts.allReduceGradient(vector, gradient));
        inHost.allGather(vector);
    }

    /**
     * Both steps of the reduce-scatter cut down to {@code [from, to)}: the host's ring leaves this rank's local chunk's
     * part of the range summed over the host, with the bits the whole call leaves there, and the ring across hosts,
     * whose chunks are that local chunk's, reads only that part. Element by element the same additions in the same
     * order, so ranges that tile the vector give every owned range the whole call's bits (the overlapped step's
     * buckets). With a bf16 wire, only gradients (below).
     */
    @Override
    public void reduceScatter(FloatVector vector, long from, long to) {
        if (rangesUnsupported() != null) {
            throw new UnsupportedOperationException(rangesUnsupported());
        }
        Collective.checkRange(from, to, vector.length());
        inHost.reduceScatter(vector, from, to);
        across("reduce-scatter", () -> acrossHosts.reduceScatter(vector, from, to));
    }

    /**
     * As above for a gradient: the host's ring sums in fp32, the ring across hosts runs its bf16 reduce-scatter (error
     * feedback over its window, the hops, the owner's rounding) cut down to the range, each step element-wise.
     */
    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient, long from, long to) {
        RingCollective.checkGradient(vector, gradient);
        Collective.checkRange(from, to, vector.length());
        inHost.reduceScatter(vector, from, to);
        across("reduce-scatter", () -> acrossHosts.reduceScatterGradient(vector, gradient, from, to));
    }

    /** Null with an fp32 wire; with bf16, the rings across hosts cut gradients only. */
    @Override
    public String rangesUnsupported() {
        return acrossHosts.rangesUnsupported();
    }

    /** Null: the host's ring is fp32, and the rings across hosts cut a gradient whatever their wire. */
    @Override
    public String gradientRangesUnsupported() {
        return null;
    }

    /** The rings across hosts' wire: bf16 when asked for and there is more than one host. */
    @Override
    public WireFormat gradientWire() {
        return acrossHosts.gradientWire();
    }

    /**
     * The root's local index's ring across hosts broadcasts from the root's host, then every host's ring broadcasts
     * from that local index: each a pipelined ring broadcast of the whole vector.
     */
    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + size());
        }
        int rootLocal = groups.localIndex(root);
        if (groups.localIndex(rank) == rootLocal) {
            across("broadcast", () -> acrossHosts.broadcast(vector, groups.hostOf(root)));
        }
        inHost.broadcast(vector, rootLocal);
    }

    /** Payload bytes this rank has sent so far: {inside its host, across hosts} (tests count the traffic). */
    long[] bytesSent() {
        return new long[] {inHost instanceof RingCollective ring ? ring.bytesSent() : 0, acrossHosts.bytesSent()};
    }

    @Override
    public void close() {
        inHost.close();
        acrossHosts.close();
    }
}
