package org.sparkddp.common.wire;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import java.util.zip.CRC32C;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.NioViews;

/**
 * How a training state is cut into chunks: the one place that knows the chunk bounds, how a chunk splits over the
 * parameters and the optimizer state, and which rank stores which chunk. Everything that cuts a state into chunks
 * or puts one together from them goes through here (on executors: storing a stage's state, loading one into a
 * replica; on the driver: naming a stage's state from its ranks' reports, fetching a state), so the format is
 * written once. Plain arithmetic and copies: runs anywhere.
 *
 * <p>The state is the concatenation {@code params ++ updaterState} ({@code paramCount + updaterCount} floats, 64-bit
 * counts), cut into chunks of {@code chunkFloats} floats (the last one shorter). The cut does not depend on the
 * number of workers, so a state written by W ranks is read by any number. Chunk {@code c} covers floats
 * {@code [c * chunkFloats, min((c + 1) * chunkFloats, total))}; its bytes are little-endian float32. One chunk may
 * straddle the end of the parameters and the start of the optimizer state. At a stage's end, rank {@code r} of
 * {@code W} stores the chunks {@code c} with {@code c mod W == r}.
 *
 * @param paramCount   number of parameters
 * @param updaterCount number of optimizer-state values (0 for plain SGD)
 * @param chunkFloats  floats per chunk
 */
public record StateLayout(long paramCount, long updaterCount, int chunkFloats) implements Serializable {
    public StateLayout {
        if (paramCount < 0 || updaterCount < 0 || chunkFloats <= 0) {
            throw new IllegalArgumentException("bad state geometry: " + paramCount + " params, " + updaterCount
                    + " optimizer values, " + chunkFloats + " floats per chunk");
        }
    }

    /** The layout of {@code network}'s state (its parameters and optimizer state) in chunks of {@code chunkFloats}. */
    public static StateLayout of(TrainableNetwork network, int chunkFloats) {
        return new StateLayout(length(network.params()), length(network.updaterState()), chunkFloats);
    }

    public long totalFloats() {
        return paramCount + updaterCount;
    }

    public int chunks() {
        return chunkCount(totalFloats());
    }

    /** The chunks that hold parameters (the first ones): all an evaluation or a model file needs. */
    public int paramChunks() {
        return chunkCount(paramCount);
    }

    /** First float of chunk {@code c}. */
    public long chunkFrom(int c) {
        return (long) c * chunkFloats;
    }

    /** End (exclusive) of chunk {@code c}. */
    public long chunkTo(int c) {
        return Math.min(totalFloats(), (long) (c + 1) * chunkFloats);
    }

    /** Floats in chunk {@code c}. */
    public long chunkLength(int c) {
        return chunkTo(c) - chunkFrom(c);
    }

    /** The rank of {@code workers} that stores chunk {@code c} at a stage's end. */
    public static int owner(int c, int workers) {
        return c % workers;
    }

    /** The chunks rank {@code rank} of {@code workers} stores at a stage's end, ascending ({@link #owner}). */
    public int[] ownedBy(int rank, int workers) {
        return IntStream.range(0, chunks()).filter(c -> owner(c, workers) == rank).toArray();
    }

    /** Chunk {@code c} of {@code state}, copied into a new little-endian buffer of its own (position 0). */
    public ByteBuffer cut(int c, Floats state) {
        checkChunk(c);
        ByteBuffer chunk = ByteBuffer.allocate(Math.toIntExact(chunkLength(c) * Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = chunk.asFloatBuffer();
        forEachPart(c, true, (updater, at, from, to) -> floats.position(Math.toIntExact(at))
                .put(state.window(updater, from, to)));
        return chunk;
    }

    /**
     * Copies chunk {@code c} (little-endian floats, from {@code chunk}'s position; {@code chunk} is left unchanged)
     * into {@code state}: its parameters, and its optimizer state unless {@code withUpdater} is false.
     */
    public void fill(int c, ByteBuffer chunk, Floats state, boolean withUpdater) {
        checkChunk(c);
        FloatBuffer floats = chunk.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        if (floats.remaining() != chunkLength(c)) {
            throw new IllegalArgumentException("chunk " + c + " has " + floats.remaining() + " floats, expected "
                    + chunkLength(c));
        }
        forEachPart(c, withUpdater, (updater, at, from, to) -> state.window(updater, from, to)
                .put(floats.duplicate().position(Math.toIntExact(at)).limit(Math.toIntExact(at + to - from))));
    }

    /** The CRC-32C of a chunk's bytes (from its position to its limit): what a state keeps per chunk. */
    public static long checksum(ByteBuffer chunk) {
        CRC32C crc = new CRC32C();
        crc.update(chunk.duplicate());
        return crc.getValue();
    }

    /** One part of a chunk: its floats from {@code at} on are floats {@code [from, to)} of one vector. */
    @FunctionalInterface
    private interface Part {
        void copy(boolean updater, long at, long from, long to);
    }

    /** The (one or two) parts of chunk {@code c}: in the parameters, and (unless left out) in the optimizer state. */
    private void forEachPart(int c, boolean withUpdater, Part part) {
        long from = chunkFrom(c);
        long to = chunkTo(c);
        long p = paramCount;
        if (from < p) {
            part.copy(false, 0, from, Math.min(to, p));
        }
        if (withUpdater && to > p) {
            long a = Math.max(from, p);
            part.copy(true, a - from, a - p, to - p);
        }
    }

    private void checkChunk(int c) {
        if (c < 0 || c >= chunks()) {
            throw new IndexOutOfBoundsException("chunk " + c + " of a state of " + chunks() + " chunks");
        }
    }

    private int chunkCount(long floats) {
        return Math.toIntExact((floats + chunkFloats - 1) / chunkFloats);
    }

    private static long length(INDArray array) {
        return array.isEmpty() ? 0 : array.length();
    }

    /**
     * The two flat vectors of a state, as windows a chunk is copied through: a network's own (on an executor) or
     * arrays in a heap (a state fetched to the driver).
     */
    @FunctionalInterface
    public interface Floats {
        /** Floats {@code [from, to)} of the parameters (or, {@code updater}, the optimizer state), writable. */
        FloatBuffer window(boolean updater, long from, long to);

        /** A network's parameters and optimizer state, in place (zero-copy views of its native memory). */
        static Floats of(TrainableNetwork network) {
            INDArray params = network.params();
            INDArray updater = network.updaterState();
            return (u, from, to) -> NioViews.range(u ? updater : params, from, to).asFloatBuffer();
        }

        /** Arrays in the heap. */
        static Floats of(float[] params, float[] updater) {
            return (u, from, to) -> FloatBuffer.wrap(u ? updater : params, Math.toIntExact(from),
                    Math.toIntExact(to - from)).slice();
        }
    }
}
