package org.sparkddp.common.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.TestSpecs;
import org.sparkddp.common.model.TrainableNetwork;

/** The chunk geometry of a state: bounds, the split over parameters and optimizer state, and rank ownership. */
class StateLayoutTest {
    /** 10 parameters and 20 optimizer values in chunks of 7: chunk 1 holds params 7-9 and optimizer values 0-3. */
    private static final StateLayout LAYOUT = new StateLayout(10, 20, 7);

    private static float[] floats(int n, long seed) {
        Random random = new Random(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    @Test
    void chunkBoundsCoverTheStateOnceWithAShorterLastChunk() {
        assertEquals(30, LAYOUT.totalFloats());
        assertEquals(5, LAYOUT.chunks());
        assertEquals(2, LAYOUT.paramChunks());
        long next = 0;
        for (int c = 0; c < LAYOUT.chunks(); c++) {
            assertEquals(next, LAYOUT.chunkFrom(c));
            next = LAYOUT.chunkTo(c);
        }
        assertEquals(30, next);
        assertEquals(2, LAYOUT.chunkLength(4));
        assertEquals(0, new StateLayout(0, 0, 7).chunks());
        assertThrows(IllegalArgumentException.class, () -> new StateLayout(10, 0, 0));
    }

    @Test
    void everyChunkHasOneOwnerWhateverTheWorkerCount() {
        for (int workers = 1; workers <= 7; workers++) {
            int[] owners = new int[LAYOUT.chunks()];
            java.util.Arrays.fill(owners, -1);
            for (int rank = 0; rank < workers; rank++) {
                int previous = -1;
                for (int c : LAYOUT.ownedBy(rank, workers)) {
                    assertEquals(-1, owners[c], "chunk " + c + " owned twice with " + workers + " workers");
                    assertEquals(rank, StateLayout.owner(c, workers));
                    assertEquals(true, c > previous, "ascending");
                    owners[c] = rank;
                    previous = c;
                }
            }
            for (int c = 0; c < owners.length; c++) {
                assertEquals(c % workers, owners[c], "chunk " + c + " with " + workers + " workers");
            }
        }
    }

    @Test
    void cutThenFillIsBitwiseTheStateAcrossTheStraddlingChunk() {
        float[] params = floats(10, 1);
        float[] updater = floats(20, 2);
        updater[0] = Float.NaN;
        updater[1] = -0.0f;
        StateLayout.Floats source = StateLayout.Floats.of(params, updater);
        float[] params2 = new float[10];
        float[] updater2 = new float[20];
        StateLayout.Floats target = StateLayout.Floats.of(params2, updater2);
        for (int c = 0; c < LAYOUT.chunks(); c++) {
            ByteBuffer chunk = LAYOUT.cut(c, source);
            assertEquals(ByteOrder.LITTLE_ENDIAN, chunk.order());
            assertEquals(LAYOUT.chunkLength(c) * Float.BYTES, chunk.remaining());
            LAYOUT.fill(c, chunk, target, true);
        }
        assertArrayEquals(params, params2, 0f);
        assertEquals(Float.floatToRawIntBits(Float.NaN), Float.floatToRawIntBits(updater2[0]));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(updater2[1]));
        assertArrayEquals(updater, updater2, 0f);
        // The straddling chunk's bytes: the last three parameters, then the first four optimizer values.
        ByteBuffer straddling = LAYOUT.cut(1, source).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(Float.floatToRawIntBits(params[9]), Float.floatToRawIntBits(straddling.getFloat(2 * 4)));
        assertEquals(Float.floatToRawIntBits(updater[3]), Float.floatToRawIntBits(straddling.getFloat(6 * 4)));
    }

    @Test
    void fillingParametersOnlyLeavesTheOptimizerStateAlone() {
        float[] params = floats(10, 3);
        StateLayout.Floats source = StateLayout.Floats.of(params, floats(20, 4));
        float[] params2 = new float[10];
        float[] updater2 = new float[20];
        for (int c = 0; c < LAYOUT.paramChunks(); c++) {
            LAYOUT.fill(c, LAYOUT.cut(c, source), StateLayout.Floats.of(params2, updater2), false);
        }
        assertArrayEquals(params, params2, 0f);
        assertArrayEquals(new float[20], updater2, 0f);
    }

    @Test
    void aChunkOfTheWrongLengthIsRefused() {
        StateLayout.Floats target = StateLayout.Floats.of(new float[10], new float[20]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LAYOUT.fill(0, ByteBuffer.allocate(6 * Float.BYTES), target, true));
        assertEquals("chunk 0 has 6 floats, expected 7", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> LAYOUT.cut(5, target));
    }

    /** A network's own vectors (native memory) and heap arrays make the same chunks, both ways. */
    @Test
    void aNetworksStateCutsAndFillsLikeItsArrays() {
        TrainableNetwork network = NetworkFactory.build(TestSpecs.spec(List.of(6), 3,
                "model.layers=[{type=dense,units=5}]", "optimizer.name=adam"));
        ModelState state = ModelState.capture(network, 0, 0);
        float[] updater = floats(state.updaterState().length, 5);
        StateLayout layout = StateLayout.of(network, 16);
        assertEquals(new StateLayout(state.params().length, updater.length, 16), layout);
        StateLayout.Floats arrays = StateLayout.Floats.of(state.params(), updater);
        StateLayout.Floats views = StateLayout.Floats.of(network);
        for (int c = 0; c < layout.chunks(); c++) {
            layout.fill(c, layout.cut(c, arrays), views, true);
        }
        assertEquals(new ModelState(state.params(), updater, 0, 0), ModelState.capture(network, 0, 0));
        for (int c = 0; c < layout.chunks(); c++) {
            assertEquals(layout.cut(c, arrays), layout.cut(c, views), "chunk " + c);
        }
    }
}
