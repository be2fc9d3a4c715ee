package org.sparkddp.driver.checkpoint;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.state.ChunkFile;
import org.sparkddp.worker.state.CorruptChunkException;

/**
 * Checks, by one directory listing and without reading a byte of them, that every chunk file a checkpoint's
 * manifest names is there with the exact length its float count gives. Runs on the driver, before Spark does any
 * work, so a checkpoint missing a slice is refused at once with the file's name; the checksums are checked where
 * the chunks are read, on the executors.
 */
final class ChunkListing {
    private ChunkListing() {
    }

    static void check(FileSystem fs, StateVersion state) throws IOException {
        Path dir = new Path(state.directory());
        Map<String, Long> lengths = new HashMap<>();
        if (fs.exists(dir)) {
            for (FileStatus status : fs.listStatus(dir)) {
                lengths.put(status.getPath().getName(), status.getLen());
            }
        }
        for (int c = 0; c < state.chunks(); c++) {
            String file = new Path(dir, ChunkFile.name(c)).toString();
            Long length = lengths.get(ChunkFile.name(c));
            long expected = ChunkFile.fileBytes(state.layout().chunkLength(c));
            if (length == null) {
                throw new CorruptChunkException(file, "missing; the checkpoint lists " + state.chunks()
                        + " chunk files");
            }
            if (length != expected) {
                throw new CorruptChunkException(file, "is " + length + " bytes but the checkpoint lists "
                        + expected + " (" + (length < expected ? "truncated" : "not this checkpoint's chunk") + ")");
            }
        }
    }
}
