package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;
import scala.reflect.ClassTag$;

/**
 * Stores this rank's share of a network's state as blocks in the executor's Spark block manager, at a stage's end.
 * Runs on executors.
 *
 * <p>Every rank holds the whole state when a stage ends, so the ranks split the storing as {@link StateLayout} says
 * (its chunks do not depend on W), each chunk {@code c} under {@code RDDBlockId(blockRdd, c)} and, on a cluster,
 * replicated to a second executor so that losing one executor loses no chunk. The block manager master learns every
 * block, so any executor can read any chunk ({@link BlockChunks}).
 */
public final class StateBlocks {
    private StateBlocks() {
    }

    /**
     * Stores this rank's chunks and returns their CRC-32Cs, in chunk order ({@link StateLayout#ownedBy}): what the
     * rank reports, and the driver assembles into the next {@link StateVersion}.
     *
     * @param layout    how the state is cut: the stage's starting state's, which the driver names the new one by
     * @param blockRdd  the block-id namespace the driver chose for the new state
     * @param replicate whether to keep a second copy on another executor (a cluster; not in local mode)
     */
    public static long[] store(TrainableNetwork network, StateLayout layout, int rank, int workers, int blockRdd,
                               boolean replicate) {
        if (!StateLayout.of(network, layout.chunkFloats()).equals(layout)) {
            throw new IllegalArgumentException("the network's state (" + StateLayout.of(network, layout.chunkFloats())
                    + ") is not the stage's (" + layout + ")");
        }
        StateLayout.Floats state = StateLayout.Floats.of(network);
        int[] owned = layout.ownedBy(rank, workers);
        long[] crcs = new long[owned.length];
        for (int i = 0; i < owned.length; i++) {
            // NOTE: a buffer of its own per block: the memory store keeps the buffer it is given.
            ByteBuffer bytes = layout.cut(owned[i], state);
            crcs[i] = StateLayout.checksum(bytes);
            put(blockRdd, owned[i], bytes, replicate);
        }
        return crcs;
    }

    /**
     * Stores one chunk's bytes (little-endian floats, position 0) as block {@code RDDBlockId(blockRdd, c)} in this
     * JVM's block manager. The block manager keeps {@code bytes} itself: the caller must not reuse the buffer.
     */
    public static void put(int blockRdd, int c, ByteBuffer bytes, boolean replicate) {
        StorageLevel level = replicate ? StorageLevel.MEMORY_AND_DISK_SER_2() : StorageLevel.MEMORY_AND_DISK_SER();
        boolean stored = SparkEnv.get().blockManager().putBytes(BlockChunks.blockId(blockRdd, c),
                new ChunkedByteBuffer(bytes), level, true, ClassTag$.MODULE$.apply(byte[].class));
        if (!stored) {
            throw new IllegalStateException("the block manager of executor " + SparkEnv.get().executorId()
                    + " refused chunk " + c + " of a state (" + bytes.capacity() + " bytes): check the "
                    + "executors' local disk space and spark.memory.fraction");
        }
    }

    /**
     * Runs on an executor: reads chunk {@code c} of {@code state} wherever it lives (a checkpoint's file), checked
     * against its CRC, and stores it as block {@code RDDBlockId(blockRdd, c)}: how a resumed state moves into the
     * block managers without passing through the driver. Returns the chunk's CRC-32C.
     */
    public static long adopt(StateVersion state, int c, int blockRdd, boolean replicate) {
        ByteBuffer chunk = StateChunks.read(state, c);
        // NOTE: a copy of its own: the reader's buffer may be reused, and the block manager keeps what it is given.
        ByteBuffer bytes = ByteBuffer.allocate(chunk.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put(chunk.duplicate()).flip();
        put(blockRdd, c, bytes, replicate);
        return state.crcs()[c];
    }
}
