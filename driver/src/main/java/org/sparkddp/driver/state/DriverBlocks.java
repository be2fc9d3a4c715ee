package org.sparkddp.driver.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.state.BlockChunks;
import org.sparkddp.worker.state.StateBlocks;

/**
 * Puts a state held on the driver into the driver's block manager as a state's chunks, once, so that the executors read it like any other state
 * ({@link BlockChunks}): they fetch the blocks from the driver, as they fetch broadcast pieces. Runs on the driver.
 *
 * <p>NOTE: for tests only (states they build and compare). Training never puts a state from the driver: a fresh
 * state is built on each executor, a resumed one is copied from its checkpoint files by executor tasks.
 */
final class DriverBlocks {
    private DriverBlocks() {
    }

    /** Stores every chunk of {@code state} under {@code blockRdd} and returns their CRC-32Cs. */
    static long[] put(ModelState state, int chunkFloats, int blockRdd, boolean replicate) {
        long p = state.params().length;
        long total = p + state.updaterState().length;
        int chunks = StateVersion.chunkCount(total, chunkFloats);
        long[] crcs = new long[chunks];
        for (int c = 0; c < chunks; c++) {
            long from = (long) c * chunkFloats;
            long to = Math.min(total, from + chunkFloats);
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact((to - from) * Float.BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
            var floats = bytes.asFloatBuffer();
            if (from < p) {
                floats.put(state.params(), (int) from, (int) (Math.min(to, p) - from));
            }
            if (to > p) {
                long a = Math.max(from, p);
                floats.put(state.updaterState(), (int) (a - p), (int) (to - a));
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes.duplicate());
            crcs[c] = crc.getValue();
            StateBlocks.put(blockRdd, c, bytes, replicate);
        }
        return crcs;
    }
}
