package org.sparkddp.driver.checkpoint;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.state.StateBlocks;
import org.sparkddp.worker.state.StateChunks;

/**
 * For tests that need a stored state of their own, or a stored state's floats: puts a {@link ModelState} the test
 * holds into the driver's block manager as a state's chunks (cut by {@link StateLayout}), so that executor tasks
 * read it as they read any state ({@code StateChunks}: they fetch the blocks from the driver, as they fetch
 * broadcast pieces); and reads a stored state back into the test's JVM. Training never does either: a fresh state
 * is built on each executor, a resumed one is copied from its checkpoint files by executor tasks.
 */
public final class DriverStates implements AutoCloseable {
    private final JavaSparkContext sc;
    private final int chunkFloats;
    private final List<Integer> blockRdds = new ArrayList<>();

    private DriverStates(JavaSparkContext sc, int chunkFloats) {
        this.sc = sc;
        this.chunkFloats = chunkFloats;
    }

    /** States cut into chunks of {@code chunkFloats} floats, in the block manager of {@code sc}'s driver. */
    public static DriverStates withChunks(JavaSparkContext sc, int chunkFloats) {
        return new DriverStates(sc, chunkFloats);
    }

    /** Stores every chunk of {@code state} as a block of the driver's, and names it as a state of run {@code runId}. */
    public StateVersion put(String runId, ModelState state) {
        int blockRdd = sc.sc().newRddId();
        blockRdds.add(blockRdd);
        StateLayout layout = new StateLayout(state.params().length, state.updaterState().length, chunkFloats);
        StateLayout.Floats floats = StateLayout.Floats.of(state.params(), state.updaterState());
        long[] crcs = new long[layout.chunks()];
        for (int c = 0; c < crcs.length; c++) {
            ByteBuffer chunk = layout.cut(c, floats);
            crcs[c] = StateLayout.checksum(chunk);
            StateBlocks.put(blockRdd, c, chunk, !sc.isLocal());
        }
        return new StateVersion(runId, blockRdd, state.iteration(), state.epoch(), layout.paramCount(),
                layout.updaterCount(), chunkFloats, crcs, StateVersion.Home.BLOCKS, blockRdd, null);
    }

    /** A stored state's floats, read chunk by chunk into this JVM (CRC-checked by {@link StateChunks}). */
    public static ModelState fetch(StateVersion state) {
        StateLayout layout = state.layout();
        float[] params = new float[Math.toIntExact(layout.paramCount())];
        float[] updater = new float[Math.toIntExact(layout.updaterCount())];
        StateLayout.Floats into = StateLayout.Floats.of(params, updater);
        for (int c = 0; c < layout.chunks(); c++) {
            layout.fill(c, StateChunks.read(state, c), into, true);
        }
        return new ModelState(params, updater, state.iteration(), state.epoch());
    }

    /** Removes the blocks of the states {@link #put} stored. */
    @Override
    public void close() {
        if (!sc.sc().isStopped()) {
            blockRdds.forEach(id -> sc.sc().env().blockManager().master().removeRdd(id, true));
        }
        blockRdds.clear();
    }
}
