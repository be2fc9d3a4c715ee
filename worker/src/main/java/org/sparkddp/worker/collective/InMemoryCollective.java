package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The collective contract over ranks that are threads of one JVM, through shared memory: for unit tests of the
 * step rules without sockets or Spark. Each call publishes this rank's vector, waits for every rank (a bounded
 * barrier), reads what it needs from the others' vectors, and waits again before anyone may change a vector.
 *
 * <p>Rank {@code r} owns chunk {@code r} of the vector; a reduce-scatter adds the ranks' values in rank order, so
 * the result is the same bits on every rank and every run (not the ring's bits: its order differs). A rank that
 * times out, closes, or is interrupted breaks the barrier, which fails the others' calls at once.
 */
public final class InMemoryCollective implements Collective {
    private static final int PIECE_FLOATS = 1 << 20;

    /** What the ranks of one group share. */
    private static final class Shared {
        final int size;
        final FloatVector[] vectors;
        final CyclicBarrier barrier;
        final Duration timeout;
        volatile int closedBy = -1;

        Shared(int size, Duration timeout) {
            this.size = size;
            this.vectors = new FloatVector[size];
            this.barrier = new CyclicBarrier(size);
            this.timeout = timeout;
        }
    }

    private final Shared shared;
    private final int rank;
    private final Chunks chunks;
    private final float[] addA = new float[1 << 14];
    private final float[] addB = new float[1 << 14];

    private InMemoryCollective(Shared shared, int rank) {
        this.shared = shared;
        this.rank = rank;
        this.chunks = Chunks.equal(shared.size);
    }

    /** The {@code size} ranks of one group, indexed by rank; each is to be used by one thread. */
    public static List<InMemoryCollective> group(int size, Duration timeout) {
        Shared shared = new Shared(size, timeout);
        List<InMemoryCollective> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(new InMemoryCollective(shared, r));
        }
        return ranks;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return shared.size;
    }

    @Override
    public long ownedFrom(int r, long n) {
        return chunks.start(n, r);
    }

    @Override
    public long ownedTo(int r, long n) {
        return chunks.end(n, r);
    }

    /** Sums this rank's chunk over every rank's vector, in rank order, then writes it into this rank's vector. */
    @Override
    public void reduceScatter(FloatVector vector) {
        long n = publish(vector, "reduce-scatter");
        Pieces pieces = new Pieces(ownedFrom(n), ownedTo(n), PIECE_FLOATS);
        List<ByteBuffer> sums = new ArrayList<>();
        for (long p = 0; p < pieces.count(); p++) {
            long from = pieces.from(p);
            long to = pieces.to(p);
            ByteBuffer sum = ByteBuffer.allocateDirect((int) ((to - from) * Float.BYTES)).order(ByteOrder.nativeOrder());
            FloatVector total = new FloatVector(sum);
            put(shared.vectors[0].slice(from, to), sum.duplicate());
            for (int k = 1; k < shared.size; k++) {
                long at = 0;
                for (ByteBuffer part : shared.vectors[k].slice(from, to)) {
                    long m = part.remaining() / Float.BYTES;
                    total.addFrom(part.slice().order(ByteOrder.nativeOrder()), at, at + m, addA, addB);
                    at += m;
                }
            }
            sums.add(sum);
        }
        await("reduce-scatter"); // every rank has read every vector: now each may write its own
        for (long p = 0; p < pieces.count(); p++) {
            ByteBuffer sum = sums.get((int) p).duplicate().clear();
            for (ByteBuffer target : vector.slice(pieces.from(p), pieces.to(p))) {
                ByteBuffer part = sum.duplicate();
                part.limit(part.position() + target.remaining());
                target.put(part);
                sum.position(part.position());
            }
        }
    }

    @Override
    public void allGather(FloatVector vector) {
        long n = publish(vector, "all-gather");
        for (int k = 0; k < shared.size; k++) {
            if (k != rank) {
                vector.copyFrom(shared.vectors[k], ownedFrom(k, n), ownedTo(k, n));
            }
        }
        await("all-gather");
    }

    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= shared.size) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + shared.size);
        }
        long n = publish(vector, "broadcast");
        if (rank != root) {
            vector.copyFrom(shared.vectors[root], 0, n);
        }
        await("broadcast");
    }

    /** Publishes this rank's vector and waits for every rank's; all must have the same length. */
    private long publish(FloatVector vector, String phase) {
        shared.vectors[rank] = vector;
        await(phase);
        long n = vector.length();
        for (int k = 0; k < shared.size; k++) {
            if (shared.vectors[k].length() != n) {
                throw new IllegalArgumentException("rank " + rank + ": " + phase + " of " + n + " floats, but rank " + k
                        + "'s vector has " + shared.vectors[k].length());
            }
        }
        return n;
    }

    private void await(String phase) {
        if (shared.closedBy >= 0) {
            throw new PeerFailureException("rank " + rank + ": rank " + shared.closedBy + " closed during " + phase);
        }
        try {
            shared.barrier.await(shared.timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new PeerFailureException("rank " + rank + ": timed out after " + shared.timeout
                    + " waiting for the other ranks during " + phase);
        } catch (BrokenBarrierException e) {
            throw new PeerFailureException("rank " + rank + ": another rank failed or closed during " + phase);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shared.barrier.reset();
            throw new PeerFailureException("rank " + rank + ": interrupted during " + phase);
        }
    }

    /** Copies the floats of {@code sources}, in order, into {@code target} from its position. */
    private static void put(ByteBuffer[] sources, ByteBuffer target) {
        for (ByteBuffer source : sources) {
            target.put(source.duplicate());
        }
    }

    /** Breaks the group's barrier, so that ranks still waiting in a call fail now rather than at the timeout. */
    @Override
    public void close() {
        if (shared.closedBy < 0) {
            shared.closedBy = rank;
        }
        shared.barrier.reset();
    }
}
