package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import org.sparkddp.common.wire.StateVersion;

/**
 * Reads one chunk of a state from wherever it lives. Runs on executors.
 */
public final class StateChunks {
    private StateChunks() {
    }

    /**
     * Chunk {@code c} of {@code state}: {@code state.layout().chunkLength(c)} little-endian floats, position
     * 0, checked against the chunk's CRC-32C. Fails with one line naming the chunk and where it was looked for.
     */
    public static ByteBuffer read(StateVersion state, int c) {
        return switch (state.home()) {
            case BLOCKS -> BlockChunks.read(state, c);
            case FILES -> FileChunks.read(state, c);
            case FRESH -> throw new IllegalArgumentException(state + " has no chunks: build the network from its seed");
        };
    }
}
