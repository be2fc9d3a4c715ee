package org.sparkddp.driver.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.EarlyStoppingState;
import org.sparkddp.worker.state.ChunkSource;
import org.sparkddp.worker.state.StateChunks;
import org.sparkddp.worker.state.StateSource;

/**
 * For tests of checkpoints: makes a stored state out of a {@link ModelState} the test holds (broadcast once, cut
 * into chunks by the writing tasks), and reads a stored state back into the test's JVM. Training never does either:
 * its states live on the executors.
 */
public final class DriverStates implements AutoCloseable {
    /** Floats per chunk of a state cut here: 64 MiB, as the state path's default. */
    public static final int CHUNK_FLOATS = 16 << 20;

    private final Map<Long, Broadcast<ModelState>> broadcasts = new HashMap<>();
    private final int chunkFloats;

    private DriverStates(int chunkFloats) {
        this.chunkFloats = chunkFloats;
    }

    public static DriverStates withChunks(int chunkFloats) {
        return new DriverStates(chunkFloats);
    }

    /**
     * Broadcasts {@code state} and names it as a version (its checksums computed here) whose chunks
     * {@link #source()} cuts from the broadcast on the executors.
     */
    public StateVersion broadcast(JavaSparkContext sc, String runId, ModelState state) {
        long id = broadcasts.size();
        StateVersion shape = new StateVersion(runId, id, state.iteration(), state.epoch(), state.params().length,
                state.updaterState().length, chunkFloats, new long[0], StateVersion.Home.FRESH, -1, null);
        long[] crcs = new long[shape.chunks()];
        for (int c = 0; c < crcs.length; c++) {
            ByteBuffer chunk = chunk(state, shape, c);
            CRC32C crc = new CRC32C();
            crc.update(chunk);
            crcs[c] = crc.getValue();
        }
        broadcasts.put(id, sc.broadcast(state));
        // NOTE: home FRESH only because no home fits a broadcast; the chunks come from source(), never StateChunks.
        return new StateVersion(runId, id, state.iteration(), state.epoch(), state.params().length,
                state.updaterState().length, chunkFloats, crcs, StateVersion.Home.FRESH, -1, null);
    }

    /** Cuts the chunks of the states {@link #broadcast} named, on the executors. */
    public ChunkSource source() {
        Map<Long, Broadcast<ModelState>> states = Map.copyOf(broadcasts);
        return (state, c) -> chunk(states.get(state.id()).value(), state, c);
    }

    /** Loads a state {@link #broadcast} named into a network, on an executor (the model-file task). */
    public StateSource loader(StateVersion state) {
        Broadcast<ModelState> bc = broadcasts.get(state.id());
        return network -> bc.value().applyTo(network);
    }

    /** Floats {@code [from, to)} of chunk {@code c} of {@code params ++ updaterState}, little-endian. */
    static ByteBuffer chunk(ModelState state, StateVersion shape, int c) {
        long from = shape.chunkFrom(c);
        long to = shape.chunkTo(c);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact((to - from) * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = out.asFloatBuffer();
        int p = state.params().length;
        // A chunk may straddle the end of the parameters and the start of the optimizer state.
        if (from < p) {
            floats.put(state.params(), (int) from, (int) (Math.min(to, p) - from));
        }
        if (to > p) {
            long a = Math.max(from, p);
            floats.put(state.updaterState(), (int) (a - p), (int) (to - a));
        }
        return out;
    }

    /** A stored state's floats, read chunk by chunk into the driver (CRC-checked by {@link StateChunks}). */
    public static ModelState fetch(StateVersion state) {
        float[] params = new float[Math.toIntExact(state.paramCount())];
        float[] updater = new float[Math.toIntExact(state.updaterCount())];
        for (int c = 0; c < state.chunks(); c++) {
            FloatBuffer chunk = StateChunks.read(state, c).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            long from = state.chunkFrom(c);
            long to = state.chunkTo(c);
            if (from < params.length) {
                chunk.get(params, (int) from, (int) (Math.min(to, params.length) - from));
            }
            if (to > params.length) {
                long a = Math.max(from, params.length);
                chunk.get(updater, (int) (a - params.length), (int) (to - a));
            }
        }
        return new ModelState(params, updater, state.iteration(), state.epoch());
    }

    @Override
    public void close() {
        broadcasts.values().forEach(Broadcast::destroy);
        broadcasts.clear();
    }
}
