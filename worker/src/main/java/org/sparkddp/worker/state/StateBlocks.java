package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.io.ChunkedByteBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.NioViews;
import org.sparkddp.common.wire.StateVersion;
import scala.reflect.ClassTag$;

/**
 * Stores this rank's share of a network's state as blocks in the executor's Spark block manager, at a stage's end.
 * Runs on executors.
 *
 * <p>Every rank holds the whole state when a stage ends, so the ranks split the storing: rank {@code r} of
 * {@code W} stores chunks {@code c} with {@code c mod W == r} ({@link StateVersion}'s geometry, which does not
 * depend on W), each under {@code RDDBlockId(blockRdd, c)} and, on a cluster, replicated to a second executor so
 * that losing one executor loses no chunk. The block manager master learns every block, so any executor can read
 * any chunk ({@link BlockChunks}).
 */
public final class StateBlocks {
    private StateBlocks() {
    }

    /**
     * Stores this rank's chunks and returns their CRC-32Cs, in chunk order ({@code rank, rank + W, ...}): what the
     * rank reports, and the driver assembles into the next {@link StateVersion}.
     *
     * @param chunkFloats floats per chunk
     * @param blockRdd    the block-id namespace the driver chose for the new state
     * @param replicate   whether to keep a second copy on another executor (a cluster; not in local mode)
     */
    public static long[] store(TrainableNetwork network, int rank, int workers, int chunkFloats, int blockRdd,
                               boolean replicate) {
        INDArray params = network.params();
        INDArray updater = network.updaterState();
        long p = params.length();
        long total = p + (updater.isEmpty() ? 0 : updater.length());
        int chunks = StateVersion.chunkCount(total, chunkFloats);
        int mine = rank < chunks ? (chunks - rank + workers - 1) / workers : 0;
        long[] crcs = new long[mine];
        for (int i = 0; i < mine; i++) {
            int c = rank + i * workers;
            long from = (long) c * chunkFloats;
            long to = Math.min(total, from + chunkFloats);
            // NOTE: a buffer of its own per block: the memory store keeps the buffer it is given.
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact((to - from) * Float.BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (from < p) {
                copy(params, from, Math.min(to, p), bytes);
            }
            if (to > p) {
                copy(updater, Math.max(from, p) - p, to - p, bytes);
            }
            bytes.flip();
            CRC32C crc = new CRC32C();
            crc.update(bytes.duplicate());
            crcs[i] = crc.getValue();
            put(blockRdd, c, bytes, replicate);
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

    /** Appends floats {@code [from, to)} of {@code source} to {@code target}, little-endian. */
    private static void copy(INDArray source, long from, long to, ByteBuffer target) {
        ByteBuffer view = NioViews.range(source, from, to);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            target.put(view);
        } else {
            target.asFloatBuffer().put(view.asFloatBuffer());
            target.position(target.position() + (int) (to - from) * Float.BYTES);
        }
    }
}
