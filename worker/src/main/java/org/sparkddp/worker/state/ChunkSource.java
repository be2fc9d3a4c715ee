package org.sparkddp.worker.state;

import java.io.Serializable;
import java.nio.ByteBuffer;
import org.sparkddp.common.wire.StateVersion;

/**
 * Where an executor task that writes a state's chunks (a checkpoint) gets chunk {@code c}: little-endian floats,
 * position 0, {@code state.chunkTo(c) - state.chunkFrom(c)} of them. {@link #STORED} reads it wherever the state
 * lives ({@link StateChunks}); tests pass sources of their own, to checkpoint a state they hold.
 * Serializable: it travels in the writing job's closure. Runs on executors.
 */
@FunctionalInterface
public interface ChunkSource extends Serializable {
    ChunkSource STORED = StateChunks::read;

    ByteBuffer read(StateVersion state, int c);
}
