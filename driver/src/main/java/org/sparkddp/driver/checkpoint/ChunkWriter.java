package org.sparkddp.driver.checkpoint;

import java.io.IOException;
import org.sparkddp.common.wire.StateVersion;

/**
 * Writes every chunk of a state as a chunk file into a directory and returns the chunks' CRC-32Cs, in chunk order.
 * {@link SparkChunkWriter} does it with one executor task per chunk. Called on the driver.
 */
@FunctionalInterface
public interface ChunkWriter {
    long[] write(StateVersion state, String directory) throws IOException;
}
