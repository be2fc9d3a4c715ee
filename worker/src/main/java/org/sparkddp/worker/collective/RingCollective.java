package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.sparkddp.common.config.WireFormat;

/**
 * The flat ring: reduce-scatter, all-gather and broadcast around the ranks of a barrier stage in rank order, in
 * place (Patarasuk and Yuan, "Bandwidth optimal all-reduce algorithms for clusters of workstations", JPDC 2009).
 * Runs on executors, inside a barrier task; also the ring between host leaders inside
 * {@link HierarchicalCollective}.
 *
 * <p>Each rank sends and receives {@code 2 (n-1)/n} of the vector per all-reduce, whatever the number of ranks,
 * and the driver is not involved. Each chunk of the result is added up by exactly one rank, in ring order, and
 * then copied to the others, so every rank ends with bitwise-identical values: replicas that apply the same
 * update to the same sum stay identical without ever comparing notes.
 *
 * <p>Lengths are 64-bit. A step moves its chunk in pieces of at most {@link #PIECE_FLOATS} floats, so the receive
 * buffer stays bounded (a chunk of a large model is more than a {@link ByteBuffer} can hold) and a broadcast is
 * pipelined: each rank forwards a piece while the next one arrives.
 *
 * <p>Every wait is bounded: a peer that closes its socket (its task failed, or its executor died) fails the
 * call at once, one that goes silent fails it after the timeout, and a cancelled task stops within a second.
 *
 * <p>With {@code training.wire = bf16}, a gradient ({@link #reduceScatterGradient}, {@link #allReduceGradient})
 * crosses the ring as bf16 ({@link Bf16Pieces}): this rank first replaces its contribution by its bf16 value plus
 * error feedback ({@link ErrorFeedback}), each hop sends the partial sum rounded to bf16 (that later rounding has no
 * feedback: a partial sum belongs to no one rank), and the owner rounds its finished chunk, so that the chunk it
 * keeps is exactly the one the all-gather sends every other rank. The additions keep the fp32 ring's order, so the
 * bits are the same on every rank and every run.
 */
public final class RingCollective implements Collective {
    /** Floats per piece of a reduce-scatter or all-gather step: 64 MiB of receive buffer at most. */
    static final int PIECE_FLOATS = 16 << 20;
    /** Floats per piece of a broadcast: small, so that the pipeline fills quickly. */
    static final int BROADCAST_PIECE_FLOATS = 256 << 10;

    private final int rank;
    private final int size;
    /** Chunk {@code c} is the one rank {@code c - 1} owns once reduced. */
    private final Chunks chunks;
    private final SocketChannel toNext;
    private final SocketChannel fromPrevious;
    private final Transfers.Peer next;
    private final Transfers.Peer previous;
    private final Transfers transfers;
    private final int pieceFloats;
    private final int broadcastPieceFloats;
    /** With a bf16 wire and more than one rank: how gradients are encoded, and this rank's residual; else null. */
    private final Bf16Pieces bf16;
    private final ErrorFeedback feedback;
    private ByteBuffer scratch = ByteBuffer.allocateDirect(0);
    /** Heap blocks for the additions; bounded, so that a large model does not need a large heap. */
    private final float[] addA = new float[1 << 16];
    private final float[] addB = new float[1 << 16];

    /**
     * A ring of {@code size} ranks with equal chunks, named "rank N" in messages.
     *
     * @param toNext       connected, to rank {@code (rank + 1) % size}; this side only writes
     * @param fromPrevious connected, from rank {@code (rank - 1) % size}; this side only reads
     *                     (both unauthenticated: tests that wire a ring by hand; CRC-32C frames)
     */
    RingCollective(int rank, int size, SocketChannel toNext, String nextName, SocketChannel fromPrevious,
                   String previousName, Duration timeout, BooleanSupplier cancelled) throws IOException {
        this("rank " + rank, rank, size, null, Link.unauthenticated(toNext), nextName,
                Link.unauthenticated(fromPrevious), previousName, timeout, cancelled,
                new Pieces.Sizes(PIECE_FLOATS, BROADCAST_PIECE_FLOATS), WireFormat.FP32);
    }

    /**
     * @param self        how messages name this rank
     * @param weights     chunk {@code c}'s share of a vector is {@code weights[c] / sum(weights)}; null for equal
     *                    chunks (the hierarchical collective weights each host's chunk by its number of ranks)
     * @param pieces      floats per piece of a step and of a broadcast (tests force them low)
     * @param wire        how gradients cross the ring ({@code training.wire})
     */
    RingCollective(String self, int rank, int size, int[] weights, Link toNext, String nextName,
                   Link fromPrevious, String previousName, Duration timeout, BooleanSupplier cancelled,
                   Pieces.Sizes pieces, WireFormat wire) throws IOException {
        this(self, rank, weights == null ? Chunks.equal(size) : new Chunks(weights), toNext, nextName, fromPrevious,
                previousName, timeout, cancelled, pieces, wire);
    }

    /**
     * @param chunks how a vector is cut, one chunk per rank; a {@link Chunks#window} makes a ring over that part of
     *               the vector only (reduce-scatter, all-gather and error feedback; a broadcast still sends it all)
     */
    RingCollective(String self, int rank, Chunks chunks, Link toNext, String nextName,
                   Link fromPrevious, String previousName, Duration timeout, BooleanSupplier cancelled,
                   Pieces.Sizes pieces, WireFormat wire) throws IOException {
        int size = chunks.count();
        this.rank = rank;
        this.size = size;
        this.chunks = chunks;
        this.toNext = toNext == null ? null : toNext.channel();
        this.fromPrevious = fromPrevious == null ? null : fromPrevious.channel();
        this.next = Transfers.Peer.of(toNext, nextName);
        this.previous = new Transfers.Peer(fromPrevious, previousName, "the previous rank (" + previousName + ")");
        this.transfers = size > 1 ? new Transfers(self, List.of(this.toNext, this.fromPrevious), timeout, cancelled)
                : null;
        this.pieceFloats = pieces.transfer();
        this.broadcastPieceFloats = pieces.broadcast();
        boolean compressed = wire == WireFormat.BF16 && size > 1;
        this.bf16 = compressed ? new Bf16Pieces() : null;
        this.feedback = compressed ? new ErrorFeedback() : null;
    }

    /** A ring of one: every operation is a no-op. */
    static RingCollective single() {
        try {
            return new RingCollective(0, 1, null, "", null, "", Duration.ofSeconds(1), () -> false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** Rank {@code r} owns chunk {@code r + 1}: the chunk its reduce-scatter finishes. */
    @Override
    public long ownedFrom(int r, long n) {
        return chunkStart(n, (r + 1) % size);
    }

    @Override
    public long ownedTo(int r, long n) {
        return chunkStart(n, (r + 1) % size + 1);
    }

    private long chunkStart(long n, int chunk) {
        return chunks.start(n, chunk);
    }

    private long chunkEnd(long n, int chunk) {
        return chunks.end(n, chunk);
    }

    /**
     * Afterwards this rank's owned chunk holds the element-wise sum over all ranks; the rest of {@code vector}
     * holds partial sums. After step s, the chunk received holds s + 2 ranks' contributions.
     */
    @Override
    public void reduceScatter(FloatVector vector) {
        reduceScatter(vector, -1, 0, vector.length());
    }

    /**
     * The ring's steps with every chunk cut down to {@code [from, to)}: each float meets the same additions in the
     * same order as in the whole vector's reduce-scatter, so the owned floats get the same bits; an empty chunk
     * crosses no socket (its sender and receiver both skip it). fp32 only.
     */
    @Override
    public void reduceScatter(FloatVector vector, long from, long to) {
        if (bf16 != null) {
            throw new UnsupportedOperationException(rangesUnsupported());
        }
        Collective.checkRange(from, to, vector.length());
        reduceScatter(vector, -1, from, to);
    }

    /** Null for an fp32 ring; a bf16 ring cuts gradients only (see {@link #gradientRangesUnsupported}). */
    @Override
    public String rangesUnsupported() {
        return bf16 == null ? null : "training.wire = bf16 reduces other vectors whole";
    }

    /** Null: an fp32 ring cuts any vector, a bf16 ring a gradient (below). */
    @Override
    public String gradientRangesUnsupported() {
        return null;
    }

    /**
     * The bf16 reduce-scatter's three steps, each cut down to {@code [from, to)}: error feedback on this rank's
     * contribution there, the ring's hops, the owner's rounding. Each is element-wise, so buckets that tile the vector
     * give one call's bits, and the residual carries over between iterations as it does there.
     */
    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient, long from, long to) {
        checkGradient(vector, gradient);
        Collective.checkRange(from, to, vector.length());
        if (bf16 == null) {
            reduceScatter(vector, -1, from, to);
            return;
        }
        long n = vector.length();
        long windowFrom = Math.min(chunkStart(n, 0), gradient);
        long windowTo = Math.max(windowFrom, Math.min(chunkStart(n, size), gradient));
        long partFrom = Math.min(Math.max(from, windowFrom), windowTo);
        long partTo = Math.max(partFrom, Math.min(to, windowTo));
        feedback.apply(vector, windowFrom, windowTo, partFrom, partTo);
        reduceScatter(vector, gradient, from, to);
        long ownedFrom = Math.max(from, Math.min(ownedFrom(n), gradient));
        long ownedTo = Math.min(to, Math.min(ownedTo(n), gradient));
        if (ownedFrom < ownedTo) {
            bf16.round(vector, ownedFrom, ownedTo);
        }
    }

    /**
     * As {@link #reduceScatter}, the first {@code gradient} floats crossing as bf16 with a bf16 wire: this rank's
     * contribution with error feedback, the partial sums rounded at each hop, the owned chunk rounded at the end.
     */
    @Override
    public void reduceScatterGradient(FloatVector vector, long gradient) {
        checkGradient(vector, gradient);
        if (bf16 == null) {
            reduceScatter(vector);
            return;
        }
        long n = vector.length();
        // This ring's part of the gradient: all of it but in a window (TorusCollective's rings across hosts).
        long from = Math.min(chunkStart(n, 0), gradient);
        feedback.apply(vector, from, Math.max(from, Math.min(chunkStart(n, size), gradient)));
        reduceScatter(vector, gradient, 0, n);
        bf16.round(vector, Math.min(ownedFrom(n), gradient), Math.min(ownedTo(n), gradient));
    }

    /** As {@link #allReduce}, with the gradient's floats crossing as bf16 in both halves (see above). */
    @Override
    public void allReduceGradient(FloatVector vector, long gradient) {
        reduceScatterGradient(vector, gradient);
        allGather(vector, bf16 == null ? -1 : gradient);
    }

    @Override
    public WireFormat gradientWire() {
        return bf16 == null ? WireFormat.FP32 : WireFormat.BF16;
    }

    static void checkGradient(FloatVector vector, long gradient) {
        if (gradient < 0 || gradient > vector.length()) {
            throw new IllegalArgumentException("a gradient of " + gradient + " floats in a vector of "
                    + vector.length());
        }
    }

    /**
     * @param gradient floats at the start that cross as bf16; -1: every float as fp32, received in place
     * @param from     the first float reduced: every chunk is cut down to {@code [from, to)}
     */
    private void reduceScatter(FloatVector vector, long gradient, long from, long to) {
        if (size == 1) {
            return;
        }
        long n = vector.length();
        long[] starts = new long[size + 1];
        for (int c = 0; c <= size; c++) {
            starts[c] = Math.min(Math.max(chunkStart(n, c), from), to);
        }
        long largestChunk = 0;
        for (int c = 0; c < size; c++) {
            largestChunk = Math.max(largestChunk, starts[c + 1] - starts[c]);
        }
        int scratchFloats = (int) Math.min(pieceFloats, largestChunk);
        if (scratchFloats == 0) {
            return; // nothing of [from, to) in any chunk
        }
        if (gradient < 0 && scratch.capacity() < scratchFloats * Float.BYTES) {
            scratch = ByteBuffer.allocateDirect(scratchFloats * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank - s, size);
            int receive = Math.floorMod(rank - s - 1, size);
            Pieces out = new Pieces(starts[send], starts[send + 1], pieceFloats);
            Pieces in = new Pieces(starts[receive], starts[receive + 1], pieceFloats);
            for (long p = 0; p < Math.max(out.count(), in.count()); p++) {
                if (gradient >= 0) {
                    ByteBuffer[] encoded = {bf16.encode(vector, out.from(p), out.to(p), gradient)};
                    ByteBuffer into = bf16.receiver(in.from(p), in.to(p), gradient);
                    transfers.exchange(next, encoded, previous, new ByteBuffer[] {into}, "reduce-scatter", s);
                    bf16.addReceived(vector, in.from(p), in.to(p), gradient);
                    continue;
                }
                ByteBuffer into = scratch.duplicate().order(ByteOrder.nativeOrder());
                into.clear().limit((int) ((in.to(p) - in.from(p)) * Float.BYTES));
                transfers.exchange(next, vector.slice(out.from(p), out.to(p)), previous, new ByteBuffer[] {into},
                        "reduce-scatter", s);
                vector.addFrom(scratch, in.from(p), in.to(p), addA, addB);
            }
        }
    }

    /**
     * Sends this rank's owned chunk of {@code vector} to every rank and receives theirs, so that every rank ends
     * with every owner's chunk. The vector may differ from the one reduced (the sharded optimizer gathers updated
     * parameters after reducing gradients); it must have the same length.
     */
    @Override
    public void allGather(FloatVector vector) {
        allGather(vector, -1);
    }

    /**
     * @param gradient floats at the start that cross as bf16 (each owner's chunk of them already holds bf16 values,
     *                 so they cross exactly); -1: every float as fp32, received in place
     */
    private void allGather(FloatVector vector, long gradient) {
        if (size == 1) {
            return;
        }
        long n = vector.length();
        // Each rank owns the finished chunk rank + 1 and passes finished chunks along the ring.
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank + 1 - s, size);
            int receive = Math.floorMod(rank - s, size);
            Pieces out = new Pieces(chunkStart(n, send), chunkEnd(n, send), pieceFloats);
            Pieces in = new Pieces(chunkStart(n, receive), chunkEnd(n, receive), pieceFloats);
            for (long p = 0; p < Math.max(out.count(), in.count()); p++) {
                if (gradient >= 0) {
                    ByteBuffer[] encoded = {bf16.encode(vector, out.from(p), out.to(p), gradient)};
                    ByteBuffer into = bf16.receiver(in.from(p), in.to(p), gradient);
                    transfers.exchange(next, encoded, previous, new ByteBuffer[] {into}, "all-gather", s);
                    bf16.copyReceived(vector, in.from(p), in.to(p), gradient);
                    continue;
                }
                transfers.exchange(next, vector.slice(out.from(p), out.to(p)), previous,
                        vector.slice(in.from(p), in.to(p)), "all-gather", s);
            }
        }
    }

    /**
     * Copies rank {@code root}'s vector to every rank, down the ring from the root in pieces: each rank forwards
     * piece p to the next while piece p + 1 arrives, so the time is about one vector's transfer plus one piece's
     * per hop, not one vector's per hop. The rank before the root forwards nothing.
     */
    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of a ring of " + size);
        }
        if (size == 1) {
            return;
        }
        int position = Math.floorMod(rank - root, size);
        Pieces pieces = new Pieces(0, vector.length(), broadcastPieceFloats);
        long count = pieces.count();
        ByteBuffer[] none = new ByteBuffer[0];
        if (position == 0) {
            for (long p = 0; p < count; p++) {
                transfers.exchange(next, vector.slice(pieces.from(p), pieces.to(p)), null, none, "broadcast", p);
            }
        } else if (position == size - 1) {
            for (long p = 0; p < count; p++) {
                transfers.exchange(null, none, previous, vector.slice(pieces.from(p), pieces.to(p)), "broadcast", p);
            }
        } else if (count > 0) {
            transfers.exchange(null, none, previous, vector.slice(pieces.from(0), pieces.to(0)), "broadcast", 0);
            for (long p = 0; p < count; p++) {
                ByteBuffer[] in = p + 1 < count ? vector.slice(pieces.from(p + 1), pieces.to(p + 1)) : none;
                transfers.exchange(next, vector.slice(pieces.from(p), pieces.to(p)), previous, in, "broadcast", p);
            }
        }
    }

    /** Bytes of payload this rank has sent over the ring's sockets so far (tests count a collective's traffic). */
    long bytesSent() {
        return transfers == null ? 0 : transfers.bytesSent();
    }

    @Override
    public void close() {
        if (transfers != null) {
            transfers.close();
        }
        closeQuietly(toNext);
        closeQuietly(fromPrevious);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // Closing is best effort: the stage is over either way, and the OS reclaims the socket.
        }
    }
}
