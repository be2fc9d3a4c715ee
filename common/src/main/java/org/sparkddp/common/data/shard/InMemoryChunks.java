package org.sparkddp.common.data.shard;

/**
 * Chunks held in the heap. A record of plain arrays, so that Spark's size estimate of a cached shard sees exactly
 * its bytes.
 */
public record InMemoryChunks(byte[][] chunks) implements ChunkSource {
    @Override
    public byte[] chunk(int index) {
        return chunks[index];
    }
}
