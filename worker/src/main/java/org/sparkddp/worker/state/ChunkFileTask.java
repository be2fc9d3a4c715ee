package org.sparkddp.worker.state;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.wire.StateVersion;

/**
 * One task of a parallel checkpoint: reads one chunk of a state where it lives and streams it into its chunk file
 * in the checkpoint's (still hidden) directory through the Hadoop FileSystem. Runs on executors; the driver only
 * receives the file's size and checksum, never the chunk.
 */
public final class ChunkFileTask {
    private static final int BUFFER = 1 << 20;

    private ChunkFileTask() {
    }

    /**
     * Writes chunk {@code c} of {@code state} to {@code directory}; a task attempt Spark retries overwrites the file.
     *
     * @return {@code {c, file bytes, CRC-32C of the floats}}
     */
    public static long[] write(StateVersion state, int c, String directory) {
        ByteBuffer chunk = StateChunks.read(state, c);
        long floats = state.layout().chunkLength(c);
        if (chunk.remaining() != floats * Float.BYTES) {
            throw new IllegalStateException(state + ": chunk " + c + " has " + chunk.remaining() + " bytes, not "
                    + floats * Float.BYTES);
        }
        Path file = new Path(directory, ChunkFile.name(c));
        try {
            FileSystem fs = file.getFileSystem(ExecutorHadoop.conf());
            long crc;
            try (FSDataOutputStream raw = fs.create(file, true);
                 OutputStream out = new BufferedOutputStream(raw, BUFFER)) {
                crc = ChunkFile.write(out, c, chunk);
                out.flush();
                raw.hsync();
            }
            return new long[] {c, fs.getFileStatus(file).getLen(), crc};
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be written: " + StorageFailures.reason(e), e);
        }
    }
}
