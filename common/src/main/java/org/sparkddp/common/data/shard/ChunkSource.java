package org.sparkddp.common.data.shard;

/**
 * The chunks of a {@link ChunkedBytes}: chunk {@code index} holds its bytes {@code [index * chunkBytes, ...)}.
 * In memory an array of arrays ({@link InMemoryChunks}); tests generate chunks on demand, to address more bytes
 * than they could allocate.
 */
@FunctionalInterface
public interface ChunkSource {
    /** Chunk {@code index}: at least as long as the store says that chunk is. */
    byte[] chunk(int index);
}
