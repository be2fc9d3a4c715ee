package org.sparkddp.worker.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Sums a {@link FloatVector} element-wise across the tasks of a barrier stage, in place, with the ring
 * algorithm (reduce-scatter, then all-gather; Patarasuk and Yuan, "Bandwidth optimal all-reduce algorithms for
 * clusters of workstations", JPDC 2009). Runs on executors, inside a barrier task.
 *
 * <p>Each rank sends and receives {@code 2 (n-1)/n} of the vector per call, whatever the number of ranks, and
 * the driver is not involved. Each chunk of the result is added up by exactly one rank, in ring order, and then
 * copied to the others, so every rank ends with bitwise-identical values: replicas that apply the same update
 * to the same sum stay identical without ever comparing notes.
 *
 * <p>Every wait is bounded: a peer that closes its socket (its task failed, or its executor died) fails the
 * call at once, one that goes silent fails it after the timeout, and a cancelled task stops within a second.
 */
public final class RingAllReduce implements Collective {
    private static final long POLL_MILLIS = 1000;

    private final int rank;
    private final int size;
    private final SocketChannel toNext;
    private final SocketChannel fromPrevious;
    private final String nextName;
    private final String previousName;
    private final Selector selector;
    private final SelectionKey nextKey;
    private final SelectionKey previousKey;
    private final long timeoutNanos;
    private final BooleanSupplier cancelled;
    private ByteBuffer scratch = ByteBuffer.allocateDirect(0);
    /** Heap blocks for the additions; bounded, so that a large model does not need a large heap. */
    private final float[] addA = new float[1 << 16];
    private final float[] addB = new float[1 << 16];

    /**
     * @param toNext       connected, to rank {@code (rank + 1) % size}; this side only writes
     * @param fromPrevious connected, from rank {@code (rank - 1) % size}; this side only reads
     */
    RingAllReduce(int rank, int size, SocketChannel toNext, String nextName, SocketChannel fromPrevious,
                  String previousName, Duration timeout, BooleanSupplier cancelled) throws IOException {
        this.rank = rank;
        this.size = size;
        this.toNext = toNext;
        this.fromPrevious = fromPrevious;
        this.nextName = nextName;
        this.previousName = previousName;
        this.timeoutNanos = timeout.toNanos();
        this.cancelled = cancelled;
        if (size > 1) {
            Selector opened = Selector.open();
            try {
                toNext.configureBlocking(false);
                fromPrevious.configureBlocking(false);
                this.nextKey = toNext.register(opened, 0);
                this.previousKey = fromPrevious.register(opened, 0);
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            this.selector = opened;
        } else {
            this.selector = null;
            this.nextKey = null;
            this.previousKey = null;
        }
    }

    /** A ring of one: {@link #sum} is a no-op. */
    static RingAllReduce single() {
        try {
            return new RingAllReduce(0, 1, null, "", null, "", Duration.ofSeconds(1), () -> false);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** Replaces {@code vector} by the element-wise sum of every rank's {@code vector}. */
    public void sum(FloatVector vector) {
        reduceScatter(vector);
        allGather(vector);
    }

    /**
     * The floats {@code [from, to)} of a vector of {@code n} that this rank owns: after {@link #reduceScatter} they
     * hold the full sum, and {@link #allGather} sends them to every other rank.
     */
    public int ownedFrom(int n) {
        return chunkStart(n, (rank + 1) % size);
    }

    public int ownedTo(int n) {
        return chunkEnd(n, (rank + 1) % size);
    }

    @Override
    public long ownedFrom(long n) {
        return ownedFrom(Math.toIntExact(n));
    }

    @Override
    public long ownedTo(long n) {
        return ownedTo(Math.toIntExact(n));
    }

    @Override
    public void allReduce(FloatVector vector) {
        sum(vector);
    }

    @Override
    public void broadcast(FloatVector vector, int root) {
        throw new UnsupportedOperationException("ring broadcast: not yet"); // the collective work implements it
    }

    /**
     * First half of {@link #sum}: afterwards this rank's owned chunk holds the element-wise sum over all ranks;
     * the rest of {@code vector} holds partial sums.
     */
    public void reduceScatter(FloatVector vector) {
        if (size == 1) {
            return;
        }
        int n = vector.length();
        int largestChunk = (n + size - 1) / size;
        if (scratch.capacity() < largestChunk * Float.BYTES) {
            scratch = ByteBuffer.allocateDirect(largestChunk * Float.BYTES).order(ByteOrder.nativeOrder());
        }
        // After step s, the chunk received holds s + 2 ranks' contributions.
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank - s, size);
            int receive = Math.floorMod(rank - s - 1, size);
            int from = chunkStart(n, receive);
            int to = chunkEnd(n, receive);
            ByteBuffer in = scratch.duplicate().order(ByteOrder.nativeOrder());
            in.clear().limit((to - from) * Float.BYTES);
            exchange(vector.slice(chunkStart(n, send), chunkEnd(n, send)), new ByteBuffer[] {in}, "reduce-scatter", s);
            vector.addFrom(scratch, from, to, addA, addB);
        }
    }

    /**
     * Second half of {@link #sum}: sends this rank's owned chunk of {@code vector} to every rank and receives
     * theirs, so that every rank ends with every owner's chunk. The vector may differ from the one reduced (the
     * sharded optimizer gathers updated parameters after reducing gradients); it must have the same length.
     */
    public void allGather(FloatVector vector) {
        if (size == 1) {
            return;
        }
        int n = vector.length();
        // Each rank owns the finished chunk rank + 1 and passes finished chunks along the ring.
        for (int s = 0; s < size - 1; s++) {
            int send = Math.floorMod(rank + 1 - s, size);
            int receive = Math.floorMod(rank - s, size);
            exchange(vector.slice(chunkStart(n, send), chunkEnd(n, send)),
                    vector.slice(chunkStart(n, receive), chunkEnd(n, receive)), "all-gather", s);
        }
    }

    static int chunkStart(int n, int chunk, int chunks) {
        return (int) ((long) n * chunk / chunks);
    }

    /** First float of chunk {@code chunk} of a vector of {@code n}, with one chunk per rank. */
    public int chunkStart(int n, int chunk) {
        return chunkStart(n, chunk, size);
    }

    private int chunkEnd(int n, int chunk) {
        return chunkStart(n, chunk + 1, size);
    }

    /** Writes {@code out} to the next rank while reading {@code in} from the previous one, until both are done. */
    private void exchange(ByteBuffer[] out, ByteBuffer[] in, String phase, int step) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (hasRemaining(out) || hasRemaining(in)) {
                boolean progress = false;
                if (hasRemaining(out)) {
                    progress = toNext.write(out) > 0;
                }
                if (hasRemaining(in)) {
                    long read = fromPrevious.read(in);
                    if (read < 0) {
                        throw new PeerFailureException("rank " + rank + ": the previous rank (" + previousName
                                + ") closed its connection during " + phase + " step " + step);
                    }
                    progress |= read > 0;
                }
                if (!progress) {
                    awaitReadiness(out, in, deadline, phase, step);
                }
            }
        } catch (IOException e) {
            throw new PeerFailureException("rank " + rank + ": connection to a peer failed during " + phase
                    + " step " + step + ": " + e.getMessage(), e);
        }
    }

    private void awaitReadiness(ByteBuffer[] out, ByteBuffer[] in, long deadline, String phase, int step)
            throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            String waitingFor = hasRemaining(in) ? "data from " + previousName : "room to send to " + nextName;
            throw new PeerFailureException("rank " + rank + ": timed out after " + Duration.ofNanos(timeoutNanos)
                    + " waiting for " + waitingFor + " during " + phase + " step " + step);
        }
        if (cancelled.getAsBoolean()) {
            throw new PeerFailureException("rank " + rank + ": task cancelled during " + phase);
        }
        nextKey.interestOps(hasRemaining(out) ? SelectionKey.OP_WRITE : 0);
        previousKey.interestOps(hasRemaining(in) ? SelectionKey.OP_READ : 0);
        selector.select(Math.max(1, Math.min(POLL_MILLIS, left / 1_000_000)));
        selector.selectedKeys().clear();
    }

    private static boolean hasRemaining(ByteBuffer[] buffers) {
        for (ByteBuffer b : buffers) {
            if (b.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closeQuietly(selector);
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
