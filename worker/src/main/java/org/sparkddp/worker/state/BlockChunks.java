package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockData;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;
import scala.Option;

/**
 * A state's chunks as blocks in the executors' Spark block managers: block {@code RDDBlockId(blockRdd, c)} holds
 * chunk {@code c}. Runs on executors (and on the driver in local mode, where the driver is the executor).
 *
 * <p>A read tries this executor's block manager first (the rank that stored the chunk, or its replica, may be
 * this one), then the block manager master's list of the others. The bytes are copied out of Spark's buffers, so
 * that no block lock or memory-mapped file outlives the read.
 */
public final class BlockChunks {
    private BlockChunks() {
    }

    /** The block that holds chunk {@code c} of a state whose blocks are named {@code blockRdd}. */
    public static RDDBlockId blockId(int blockRdd, int c) {
        return new RDDBlockId(blockRdd, c);
    }

    static ByteBuffer read(StateVersion state, int c) {
        if (c < 0 || c >= state.chunks()) {
            throw new IndexOutOfBoundsException("chunk " + c + " of " + state + ", which has " + state.chunks());
        }
        BlockManager blocks = SparkEnv.get().blockManager();
        RDDBlockId id = blockId(state.blockRdd(), c);
        ByteBuffer bytes = local(blocks, id);
        if (bytes == null) {
            Option<ChunkedByteBuffer> remote = blocks.getRemoteBytes(id);
            if (remote.isEmpty()) {
                throw new LostChunkException("chunk " + c + " of " + state + " (block " + id.name()
                        + ") is lost on every executor that held it; the run cannot continue from this state: "
                        + "resume from the last checkpoint");
            }
            bytes = copy(remote.get().toByteBuffer());
            remote.get().dispose();
        }
        check(state, c, bytes);
        return bytes;
    }

    /** This executor's copy of the block, or null; the read lock is released before returning. */
    private static ByteBuffer local(BlockManager blocks, RDDBlockId id) {
        Option<BlockData> local = blocks.getLocalBytes(id);
        if (local.isEmpty()) {
            return null;
        }
        try {
            return copy(local.get().toByteBuffer());
        } finally {
            local.get().dispose();
            blocks.releaseLock(id, Option.empty());
        }
    }

    private static ByteBuffer copy(ByteBuffer source) {
        ByteBuffer copy = ByteBuffer.allocate(source.remaining());
        copy.put(source.duplicate()).flip();
        return copy;
    }

    /** Length and CRC-32C against what the storing rank reported: a corrupt block fails here, naming itself. */
    private static void check(StateVersion state, int c, ByteBuffer bytes) {
        long expected = state.layout().chunkLength(c) * Float.BYTES;
        if (bytes.remaining() != expected) {
            throw new IllegalStateException("chunk " + c + " of " + state + " has " + bytes.remaining()
                    + " bytes, expected " + expected);
        }
        long crc = StateLayout.checksum(bytes);
        long want = state.crcs()[c];
        if (crc != want) {
            throw new IllegalStateException("chunk " + c + " of " + state + " fails its CRC-32C check ("
                    + Long.toHexString(crc) + ", expected " + Long.toHexString(want) + ")");
        }
    }
}
