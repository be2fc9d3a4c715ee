package org.sparkddp.worker.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The collective over ranks that are threads of one JVM (the tasks of one executor: {@code local[N]}, or an
 * executor with several cores), through shared memory: no sockets, and no copy but the sum itself and the
 * all-gather's. Runs on executors, inside barrier tasks; the ranks find their group through {@link LocalGroups}.
 * Tests also build groups directly ({@link #group}).
 *
 * <p>Each call publishes this rank's vector and waits at a bounded {@link LocalBarrier} for every rank's; then each
 * rank reads the others' vectors directly:
 * <ul>
 *   <li>reduce-scatter: rank {@code r} owns chunk {@code r}; it adds chunk {@code r} of every rank's vector, in
 *       rank order {@code ((v0 + v1) + v2) + ...}, block by block, and writes the sum into chunk {@code r} of its
 *       own vector. No rank writes outside its own chunk while others read, so no rank copies its input first.</li>
 *   <li>all-gather: each rank copies every other rank's chunk from that rank's vector.</li>
 *   <li>all-reduce: the reduce-scatter's sums, a barrier, then the all-gather's copies (three barriers, not four).</li>
 * </ul>
 * A last barrier ends each call, so that no rank changes its vector while another still reads it.
 *
 * <p>NOTE: the sum of each float is computed once, by its owner, in rank order, so the result is the same bits on
 * every rank and every run, whatever order the threads ran in (not the ring's bits: its order differs).
 */
public final class InMemoryCollective implements Collective {
    /** Floats per block of the sum: two heap blocks of this size stay in a core's L2 cache. */
    private static final int BLOCK_FLOATS = 1 << 14;

    /** What the ranks of one group share. */
    static final class Group {
        final int size;
        final FloatVector[] vectors;
        final LocalBarrier barrier;
        final Duration timeout;
        /** Runs when a rank closes: {@link LocalGroups} forgets the group. */
        final Runnable onClose;

        Group(int size, Duration timeout, Runnable onClose) {
            this.size = size;
            this.vectors = new FloatVector[size];
            this.barrier = new LocalBarrier(java.util.stream.IntStream.range(0, size).toArray());
            this.timeout = timeout;
            this.onClose = onClose;
        }
    }

    private final Group group;
    private final int rank;
    private final BooleanSupplier cancelled;
    private final Chunks chunks;
    private final float[] sum = new float[BLOCK_FLOATS];
    private final float[] addend = new float[BLOCK_FLOATS];
    private boolean closed;

    InMemoryCollective(Group group, int rank, BooleanSupplier cancelled) {
        this.group = group;
        this.rank = rank;
        this.cancelled = cancelled;
        this.chunks = Chunks.equal(group.size);
    }

    /** The {@code size} ranks of one group, indexed by rank; each is to be used by one thread (tests). */
    public static List<InMemoryCollective> group(int size, Duration timeout) {
        Group shared = new Group(size, timeout, () -> { });
        List<InMemoryCollective> ranks = new ArrayList<>(size);
        for (int r = 0; r < size; r++) {
            ranks.add(new InMemoryCollective(shared, r, () -> false));
        }
        return ranks;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public long ownedFrom(int r, long n) {
        return chunks.start(n, r);
    }

    @Override
    public long ownedTo(int r, long n) {
        return chunks.end(n, r);
    }

    @Override
    public void reduceScatter(FloatVector vector) {
        String phase = "reduce-scatter";
        call(phase, deadline -> {
            long n = publish(vector, phase, deadline);
            sumOwned(vector, n);
            group.barrier.await(rank, phase, deadline); // every rank has read every vector: each may write its own
        });
    }

    /** Sums this rank's owned part of {@code [from, to)} in rank order: the bits of the whole vector's call. */
    @Override
    public void reduceScatter(FloatVector vector, long from, long to) {
        String phase = "reduce-scatter";
        call(phase, deadline -> {
            long n = publish(vector, phase, deadline);
            Collective.checkRange(from, to, n);
            long a = Math.max(from, ownedFrom(n));
            long b = Math.min(to, ownedTo(n));
            if (a < b) {
                sumInto(vector, a, b);
            }
            group.barrier.await(rank, phase, deadline);
        });
    }

    @Override
    public String rangesUnsupported() {
        return null;
    }

    @Override
    public void allGather(FloatVector vector) {
        String phase = "all-gather";
        call(phase, deadline -> {
            long n = publish(vector, phase, deadline);
            gatherOthers(vector, n);
            group.barrier.await(rank, phase, deadline);
        });
    }

    /** The reduce-scatter's sums and the all-gather's copies with one barrier between them. */
    @Override
    public void allReduce(FloatVector vector) {
        String phase = "all-reduce";
        call(phase, deadline -> {
            long n = publish(vector, phase, deadline);
            sumOwned(vector, n);
            group.barrier.await(rank, phase, deadline); // every owned chunk now holds its sum
            gatherOthers(vector, n);
            group.barrier.await(rank, phase, deadline);
        });
    }

    @Override
    public void broadcast(FloatVector vector, int root) {
        if (root < 0 || root >= group.size) {
            throw new IllegalArgumentException("broadcast root " + root + " is not a rank of " + group.size);
        }
        String phase = "broadcast";
        call(phase, deadline -> {
            long n = publish(vector, phase, deadline);
            if (rank != root) {
                vector.copyFrom(group.vectors[root], 0, n);
            }
            group.barrier.await(rank, phase, deadline);
        });
    }

    /** One collective call's steps, under one deadline. */
    interface Step {
        void run(Deadline deadline);
    }

    /**
     * Runs one collective call under one deadline; a call that fails here (a wrong length, a peer across JVMs,
     * a bug) fails the group at once, so that the others do not wait for this rank until their timeout.
     */
    void call(String phase, Step step) {
        Deadline deadline = Deadline.after(group.timeout, cancelled);
        try {
            step.run(deadline);
        } catch (RuntimeException e) {
            group.barrier.fail("rank " + rank + " failed during " + phase + ": " + e.getMessage()); // the first wins
            throw e;
        }
    }

    /** Waits for every rank of the group, within a fresh timeout (after a step of unbounded total length). */
    void await(String phase) {
        await(phase, Deadline.after(group.timeout, cancelled));
    }

    /** Waits for every rank of the group within {@code deadline} (a connect phase's, shared with its other waits). */
    void await(String phase, Deadline deadline) {
        group.barrier.await(rank, phase, deadline);
    }

    /** The vector rank {@code r} published in the current call. */
    FloatVector published(int r) {
        return group.vectors[r];
    }

    /** Publishes this rank's vector and waits for every rank's; all must have the same length. */
    long publish(FloatVector vector, String phase, Deadline deadline) {
        group.vectors[rank] = vector;
        group.barrier.await(rank, phase, deadline);
        long n = vector.length();
        for (int k = 0; k < group.size; k++) {
            if (group.vectors[k].length() != n) {
                // Every rank sees the same lengths, so every rank fails here, with the same line.
                throw new PeerFailureException("rank " + rank + ": " + phase + " of " + n + " floats, but rank " + k
                        + "'s vector has " + group.vectors[k].length());
            }
        }
        return n;
    }

    /**
     * Writes into this rank's chunk of {@code vector} the sum of that chunk over every rank's vector, in rank order,
     * one block at a time (each block is read whole before it is written, so this rank's own input is read first).
     */
    private void sumOwned(FloatVector vector, long n) {
        sumInto(vector, ownedFrom(n), ownedTo(n));
    }

    /**
     * Writes into floats {@code [from, to)} of {@code vector} their sum over every rank's published vector, in rank
     * order; no other rank may touch that range of any vector meanwhile.
     */
    void sumInto(FloatVector vector, long from, long to) {
        for (long at = from; at < to; at += BLOCK_FLOATS) {
            int m = (int) Math.min(BLOCK_FLOATS, to - at);
            read(group.vectors[0], at, m, sum);
            for (int k = 1; k < group.size; k++) {
                read(group.vectors[k], at, m, addend);
                for (int j = 0; j < m; j++) {
                    sum[j] += addend[j];
                }
            }
            write(vector, at, m, sum);
        }
    }

    /** Copies every other rank's owned chunk, which holds its sum, from that rank's vector into this one. */
    private void gatherOthers(FloatVector vector, long n) {
        for (int k = 0; k < group.size; k++) {
            if (k != rank) {
                vector.copyFrom(group.vectors[k], ownedFrom(k, n), ownedTo(k, n));
            }
        }
    }

    /** Floats {@code [at, at + m)} of {@code source} into {@code into[0, m)}. */
    private static void read(FloatVector source, long at, int m, float[] into) {
        int done = 0;
        for (ByteBuffer piece : source.slice(at, at + m)) {
            FloatBuffer floats = piece.order(ByteOrder.nativeOrder()).asFloatBuffer();
            int k = floats.remaining();
            floats.get(into, done, k);
            done += k;
        }
    }

    /** {@code from[0, m)} into floats {@code [at, at + m)} of {@code target}. */
    private static void write(FloatVector target, long at, int m, float[] from) {
        int done = 0;
        for (ByteBuffer piece : target.slice(at, at + m)) {
            FloatBuffer floats = piece.order(ByteOrder.nativeOrder()).asFloatBuffer();
            int k = floats.remaining();
            floats.put(from, done, k);
            done += k;
        }
    }

    /** Leaves the group: a rank still waiting in a call fails now, naming this rank, rather than at its timeout. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            group.barrier.leave(rank, "left the group (its task ended)");
            group.onClose.run();
        }
    }
}
