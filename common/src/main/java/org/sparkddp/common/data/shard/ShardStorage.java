package org.sparkddp.common.data.shard;

import java.io.Serializable;
import java.util.OptionalLong;

/**
 * How a worker's shard is stored: in chunks of {@code chunkBytes}, in memory while its feature bytes fit
 * {@code memoryBytes}, else spilled once to the executor's local disk ({@code data.cache-memory}). Decided on the
 * driver, shipped in closures; the budget of {@link #EXECUTOR_SHARE} is resolved on the executor, whose heap it is.
 *
 * @param memoryBytes the feature bytes a shard may keep in memory; {@link #EXECUTOR_SHARE} for a share of the
 *                    executor's heap, {@link Long#MAX_VALUE} for no limit
 * @param chunkBytes  the length of a chunk, in memory
 */
public record ShardStorage(long memoryBytes, int chunkBytes) implements Serializable {
    /** The budget when {@code data.cache-memory} is not set: see {@link ExecutorShare}. */
    public static final long EXECUTOR_SHARE = -1;
    /** Chunks of 64 MiB: few enough objects for any heap, small enough to allocate in a fragmented one. */
    public static final int DEFAULT_CHUNK_BYTES = 64 << 20;
    /** No budget: always in memory, as shards were before spilling existed. */
    public static final ShardStorage IN_MEMORY = new ShardStorage(Long.MAX_VALUE, DEFAULT_CHUNK_BYTES);

    public ShardStorage {
        if (memoryBytes < 0 && memoryBytes != EXECUTOR_SHARE) {
            throw new IllegalArgumentException("memoryBytes must be >= 0 (or EXECUTOR_SHARE) but got " + memoryBytes);
        }
        if (chunkBytes <= 0) {
            throw new IllegalArgumentException("chunkBytes must be > 0 but got " + chunkBytes);
        }
    }

    /** From {@code data.cache-memory}: its bytes, or the executor's share when it is not set. */
    public static ShardStorage of(OptionalLong cacheMemory) {
        return new ShardStorage(cacheMemory.orElse(EXECUTOR_SHARE), DEFAULT_CHUNK_BYTES);
    }

    public ShardStorage withChunkBytes(int bytes) {
        return new ShardStorage(memoryBytes, bytes);
    }

    /** The bytes a shard may keep in memory. Call on the executor that builds the shard. */
    public long budget() {
        return memoryBytes == EXECUTOR_SHARE ? ExecutorShare.bytes() : memoryBytes;
    }
}
