package org.sparkddp.worker.collective;

import static org.sparkddp.worker.collective.PeerRing.peerName;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.sparkddp.common.config.WireFormat;

/**
 * A two-level collective for hosts that run unequal numbers of ranks (where they run as many, {@link Collectives}
 * connects the {@link TorusCollective} instead): the ranks of one host reduce to their leader (the host's lowest
 * rank), the leaders run the {@link RingCollective} among themselves, and each leader shares the result with its
 * host's ranks. Only leaders send between hosts, so a host's network card carries one ring flow instead of one per
 * rank, and a ring step waits on H hosts rather than W ranks; but a leader receives and sends the whole vector once
 * per local rank. Runs on executors, inside a barrier task.
 *
 * <p>Why the leaders here and not every rank across hosts, as the torus does: with unequal hosts no cut of the vector
 * gives every host's local index j the same slice, so same-index ranks cannot form rings of their own; and a ring
 * inside the host beside the leader's links would need two connections between the leader and its neighbours,
 * where connections are set up one per pair of ranks ({@link PeerRing#accept}). The leaders' ring itself
 * reduce-scatters: each leader owns its host's chunk, weighted by its rank count, and sends each local rank its part.
 *
 * <p>Ownership: the leaders' ring cuts the vector into one chunk per host, weighted by the host's rank count, and
 * each leader cuts its host's chunk into one sub-range per local rank, so every rank still owns about {@code 1/W}
 * of the vector (the sharded optimizer updates exactly that). Any rank can compute any rank's range from the host
 * groups, which every rank builds from the same exchanged addresses.
 *
 * <p>Order of additions: a leader adds its host's ranks' vectors in ascending rank order, then the ring adds the
 * host sums in ring order; the result is the same bits on every rank and every run with the same hosts (not the
 * flat ring's bits: the order differs).
 *
 * <p>With {@code training.wire = bf16}, gradients cross the leaders' ring as bf16, each leader's error feedback
 * correcting its host's sum; inside a host they move as fp32 (after the ring, they hold bf16 values).
 *
 * <p>A leader talks to each of its local ranks over one socket in both directions. Every wait is bounded by
 * {@link Transfers}; a peer that fails or goes silent fails the call with {@link PeerFailureException} naming it,
 * and the task's failure closes this rank's sockets, which fails its own peers in turn.
 */
public final class HierarchicalCollective extends LeaderRingCollective {
    private final int host;
    /** This host's ranks, ascending; [0] is the leader. */
    private final int[] locals;
    /** On a leader, one peer per local rank (index 0 unused); on another rank, just its leader at [0]. */
    private final Transfers.Peer[] links;
    private final Transfers transfers;
    private final int pieceFloats;
    private final WireFormat wire;
    private ByteBuffer scratch = ByteBuffer.allocateDirect(0);
    private final float[] addA = new float[1 << 16];
    private final float[] addB = new float[1 << 16];

    private HierarchicalCollective(int rank, HostGroups groups, RingCollective leaders, Transfers.Peer[] links,
                                   Duration timeout, BooleanSupplier cancelled, int pieceFloats, WireFormat wire)
            throws IOException {
        super(rank, groups, leaders);
        this.host = groups.hostOf(rank);
        this.locals = groups.ranksOn(host);
        this.links = links;
        List<SocketChannel> channels = Arrays.stream(links).filter(l -> l != null).map(Transfers.Peer::channel).toList();
        this.transfers = new Transfers("rank " + rank, channels, timeout, cancelled);
        this.pieceFloats = pieceFloats;
        this.wire = wire;
    }

    /**
     * Connects this rank: a leader dials the next host's leader and accepts the previous host's leader and its
     * own host's ranks; any other rank dials its leader. Every connection opens with a {@link Handshake}.
     *
     * @param server      this rank's listening socket, whose address is {@code addresses[rank]}
     * @param pieces      floats per piece of a transfer (tests force them low)
     * @param wire        how gradients cross the leaders' ring
     */
    static HierarchicalCollective connect(int rank, HostGroups groups, String[] addresses, ServerSocketChannel server,
                                          WireSecret secret, Duration timeout, BooleanSupplier cancelled,
                                          Pieces.Sizes pieces, WireFormat wire) throws IOException {
        int pieceFloats = pieces.transfer();
        Deadline deadline = Deadline.after(timeout, cancelled);
        int host = groups.hostOf(rank);
        int[] locals = groups.ranksOn(host);
        List<Link> opened = new ArrayList<>();
        PeerRing.Dialing dialing = null;
        try {
            if (rank != locals[0]) {
                Link up = PeerRing.dial(addresses[locals[0]], "its host's leader, rank " + locals[0], rank, locals[0],
                        secret, deadline);
                opened.add(up);
                Transfers.Peer[] links = {Transfers.Peer.of(up, peerName(locals[0], addresses))};
                return new HierarchicalCollective(rank, groups, null, links, timeout, cancelled, pieceFloats, wire);
            }
            int hosts = groups.hosts();
            Map<Integer, String> expected = new HashMap<>();
            for (int j = 1; j < locals.length; j++) {
                expected.put(locals[j], peerName(locals[j], addresses));
            }
            int next = groups.leader((host + 1) % hosts);
            int previous = groups.leader(Math.floorMod(host - 1, hosts));
            if (hosts > 1) {
                dialing = PeerRing.dialing(addresses[next], "the next host's leader, rank " + next, rank, next, secret,
                        deadline);
                expected.put(previous, "the previous host's leader (" + peerName(previous, addresses) + ")");
            }
            Map<Integer, Link> accepted = PeerRing.accept(server, expected, secret, deadline, rank);
            opened.addAll(accepted.values());
            Link toNext = null;
            if (dialing != null) {
                toNext = dialing.get();
                opened.add(toNext);
                dialing = null;
            }
            RingCollective ring = hosts == 1 ? RingCollective.single()
                    : new RingCollective("rank " + rank, host, hosts, GroupedOwnership.ringWeights(groups), toNext,
                            peerName(next, addresses),
                            accepted.get(previous), peerName(previous, addresses), timeout, cancelled, pieces, wire);
            Transfers.Peer[] links = new Transfers.Peer[locals.length];
            for (int j = 1; j < locals.length; j++) {
                links[j] = Transfers.Peer.of(accepted.get(locals[j]), peerName(locals[j], addresses));
            }
            return new HierarchicalCollective(rank, groups, ring, links, timeout, cancelled, pieceFloats, wire);
        } catch (IOException | RuntimeException e) {
            if (dialing != null) {
                dialing.abandon();
            }
            opened.forEach(PeerRing::closeQuietly);
            throw e;
        }
    }

    /**
     * The reduce-scatter cut down to {@code [from, to)}: the range's host sums on the leaders, the leaders' reduce-
     * scatter of the range, then each local rank gets its owned range's part of it. Element by element the same
     * additions in the same order, so ranges that tile the vector give the whole call's bits (the overlapped step's
     * buckets). With a bf16 wire, only gradients (below).
     */
    @Override
    public void reduceScatter(FloatVector vector, long from, long to) {
        if (rangesUnsupported() != null) {
            throw new UnsupportedOperationException(rangesUnsupported());
        }
        Collective.checkRange(from, to, vector.length());
        reduceScatter(vector, -1, from, to);
    }

    /** As above for a gradient: the leaders' ring runs its bf16 reduce-scatter cut down to the range. */
    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient, long from, long to) {
        RingCollective.checkGradient(vector, gradient);
        Collective.checkRange(from, to, vector.length());
        reduceScatter(vector, gradient, from, to);
    }

    /** Null with an fp32 wire; with bf16, the leaders' ring cuts gradients only (the same answer on every rank). */
    @Override
    public String rangesUnsupported() {
        return gradientWire() == WireFormat.BF16 ? "training.wire = bf16 reduces other vectors whole across hosts"
                : null;
    }

    /** Null: inside a host floats move as fp32, and the leaders' ring cuts a gradient whatever its wire. */
    @Override
    public String gradientRangesUnsupported() {
        return null;
    }

    /** The leaders' ring's wire: bf16 when asked for and there is more than one host. */
    @Override
    public WireFormat gradientWire() {
        return groups.hosts() > 1 ? wire : WireFormat.FP32;
    }

    @Override
    void reduceScatter(FloatVector vector, long gradient) {
        reduceScatter(vector, gradient, 0, vector.length());
    }

    /** Host sums of {@code [from, to)} on the leaders, the leaders' reduce-scatter, each local rank its part. */
    private void reduceScatter(FloatVector vector, long gradient, long from, long to) {
        long n = vector.length();
        if (leader()) {
            reduceOnHost(vector, from, to);
            if (gradient >= 0) {
                leaders.reduceScatterGradient(vector, gradient, from, to);
            } else {
                leaders.reduceScatter(vector, from, to);
            }
            for (int j = 1; j < locals.length; j++) {
                send(j, vector, Math.max(from, ownedFrom(locals[j], n)), Math.min(to, ownedTo(locals[j], n)),
                        "reduce-scatter (to host ranks)");
            }
        } else {
            send(0, vector, from, to, "reduce-scatter (to the host leader)");
            receive(0, vector, Math.max(from, ownedFrom(rank, n)), Math.min(to, ownedTo(rank, n)),
                    "reduce-scatter (from the host leader)");
        }
    }

    /** Local ranks give their sub-ranges to the leader, the leaders all-gather, each leader sends the whole. */
    @Override
    public void allGather(FloatVector vector) {
        long n = vector.length();
        if (leader()) {
            for (int j = 1; j < locals.length; j++) {
                receive(j, vector, ownedFrom(locals[j], n), ownedTo(locals[j], n), "all-gather (from host ranks)");
            }
            leaders.allGather(vector);
            shareOnHost(vector, -1, "all-gather (to host ranks)");
        } else {
            send(0, vector, ownedFrom(rank, n), ownedTo(rank, n), "all-gather (to the host leader)");
            receive(0, vector, 0, n, "all-gather (from the host leader)");
        }
    }

    /** Host sums on the leaders, the leaders' all-reduce, then each leader sends the whole to its host. */
    @Override
    void allReduce(FloatVector vector, long gradient) {
        long n = vector.length();
        if (leader()) {
            reduceOnHost(vector, 0, n);
            if (gradient >= 0) {
                leaders.allReduceGradient(vector, gradient);
            } else {
                leaders.allReduce(vector);
            }
            shareOnHost(vector, -1, "all-reduce (to host ranks)");
        } else {
            send(0, vector, 0, n, "all-reduce (to the host leader)");
            receive(0, vector, 0, n, "all-reduce (from the host leader)");
        }
    }

    /** The root gives its vector to its leader, the leaders broadcast from the root's host, leaders share it. */
    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= size()) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + size());
        }
        long n = vector.length();
        int rootHost = groups.hostOf(root);
        int rootLocal = groups.localIndex(root);
        if (host == rootHost && rootLocal > 0) {
            if (rank == root) {
                send(0, vector, 0, n, "broadcast (to the host leader)");
                return;
            }
            if (leader()) {
                receive(rootLocal, vector, 0, n, "broadcast (from rank " + root + ")");
            }
        }
        if (leader()) {
            leaders.broadcast(vector, rootHost);
            shareOnHost(vector, host == rootHost ? rootLocal : -1, "broadcast (to host ranks)");
        } else if (rank != root) {
            receive(0, vector, 0, n, "broadcast (from the host leader)");
        }
    }

    /**
     * On a leader: adds floats {@code [from, to)} of each local rank's vector into its own, piece by piece, in
     * ascending rank order (a fixed order, so the same bits every run).
     */
    private void reduceOnHost(FloatVector vector, long from, long to) {
        if (locals.length == 1 || from == to) {
            return;
        }
        Pieces pieces = new Pieces(from, to, pieceFloats);
        int floats = (int) Math.min(pieceFloats, to - from);
        if (scratch.capacity() < floats * Float.BYTES) {
            scratch = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        for (long p = 0; p < pieces.count(); p++) {
            for (int j = 1; j < locals.length; j++) {
                ByteBuffer into = scratch.duplicate().order(ByteOrder.nativeOrder());
                into.clear().limit((int) ((pieces.to(p) - pieces.from(p)) * Float.BYTES));
                transfers.exchange(null, new ByteBuffer[0], links[j], new ByteBuffer[] {into},
                        "reduce (from host ranks)", p);
                vector.addFrom(scratch, pieces.from(p), pieces.to(p), addA, addB);
            }
        }
    }

    /** On a leader: sends the whole vector to every local rank but {@code skip}, piece by piece to each in turn. */
    private void shareOnHost(FloatVector vector, int skip, String phase) {
        Pieces pieces = new Pieces(0, vector.length(), pieceFloats);
        for (long p = 0; p < pieces.count(); p++) {
            for (int j = 1; j < locals.length; j++) {
                if (j != skip) {
                    transfers.exchange(links[j], vector.slice(pieces.from(p), pieces.to(p)), null, new ByteBuffer[0],
                            phase, p);
                }
            }
        }
    }

    /** Sends floats {@code [from, to)} to link {@code j}, piece by piece; nothing where {@code to <= from}. */
    private void send(int j, FloatVector vector, long from, long to, String phase) {
        Pieces pieces = new Pieces(from, Math.max(from, to), pieceFloats);
        for (long p = 0; p < pieces.count(); p++) {
            transfers.exchange(links[j], vector.slice(pieces.from(p), pieces.to(p)), null, new ByteBuffer[0], phase, p);
        }
    }

    /** Receives floats {@code [from, to)} from link {@code j}, piece by piece; nothing where {@code to <= from}. */
    private void receive(int j, FloatVector vector, long from, long to, String phase) {
        Pieces pieces = new Pieces(from, Math.max(from, to), pieceFloats);
        for (long p = 0; p < pieces.count(); p++) {
            transfers.exchange(null, new ByteBuffer[0], links[j], vector.slice(pieces.from(p), pieces.to(p)), phase, p);
        }
    }

    /** Payload bytes this rank has sent so far: {inside its host, across hosts} (tests count the traffic). */
    long[] bytesSent() {
        return new long[] {transfers.bytesSent(), leaders == null ? 0 : leaders.bytesSent()};
    }

    @Override
    public void close() {
        transfers.close();
        if (leaders != null) {
            leaders.close();
        }
        for (Transfers.Peer link : links) {
            if (link != null) {
                PeerRing.closeQuietly(link.channel());
            }
        }
    }
}
