package org.sparkddp.worker.state;

import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.data.StorageFailures;
import org.sparkddp.common.wire.StateVersion;

/**
 * A state's chunks as files in a directory on a Hadoop FileSystem (a checkpoint): chunk {@code c} is
 * {@code <directory>/state-0000c.bin} in {@link ChunkFile}'s format. Runs on executors.
 *
 * <p>A missing, short or corrupt file fails with one line naming it ({@link CorruptChunkException}, not retried);
 * a storage error that may pass (a namenode down) is an {@link UncheckedIOException}, which may be.
 */
public final class FileChunks {
    private static final int BUFFER = 1 << 20;

    private FileChunks() {
    }

    static ByteBuffer read(StateVersion state, int c) {
        if (c < 0 || c >= state.chunks()) {
            throw new IllegalArgumentException(state + " has no chunk " + c);
        }
        Path file = new Path(state.directory(), ChunkFile.name(c));
        try (InputStream in = new BufferedInputStream(file.getFileSystem(ExecutorHadoop.conf()).open(file), BUFFER)) {
            return ChunkFile.read(in, file.toString(), c, state.layout().chunkLength(c), state.crcs()[c]);
        } catch (FileNotFoundException e) {
            throw new CorruptChunkException(file.toString(), "missing; the checkpoint lists " + state.chunks()
                    + " chunk files");
        } catch (ChecksumException e) {
            // The file system's own checksum (Hadoop's .crc beside a local file, HDFS's block checksums) caught it.
            throw new CorruptChunkException(file.toString(), "is corrupt: its checksum does not match (" + e.getMessage()
                    + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot be read: " + StorageFailures.reason(e), e);
        }
    }
}
