package org.sparkddp.driver.checkpoint;

import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.worker.state.ChunkFile;
import org.sparkddp.worker.state.ChunkFileTask;

/**
 * Writes a state's chunk files in parallel: one Spark job over the chunk indexes, one task per chunk, each reading
 * its chunk where the state lives and streaming it to its file ({@link ChunkFileTask}). The driver submits the job
 * and checks what comes back (each file's size and checksum: 24 bytes a chunk), so it never holds a chunk. The job
 * is bounded by {@code training.job-timeout}. Runs on the driver.
 */
public final class SparkChunkWriter implements ChunkWriter {
    private final JavaSparkContext sc;
    private final JobDeadline deadline;

    public SparkChunkWriter(JavaSparkContext sc, JobDeadline deadline) {
        this.sc = sc;
        this.deadline = deadline;
    }

    @Override
    public long[] write(StateVersion state, String directory) throws IOException {
        int chunks = state.chunks();
        List<long[]> written = deadline.run("checkpoint · write " + chunks + " chunk files of iteration "
                + state.iteration(), () -> sc.parallelize(IntStream.range(0, chunks).boxed().toList(), chunks)
                .map(c -> ChunkFileTask.write(state, c, directory)).collect());
        long[] crcs = new long[chunks];
        boolean[] seen = new boolean[chunks];
        long[] expected = state.crcs();
        for (long[] file : written) {
            int c = (int) file[0];
            long bytes = ChunkFile.fileBytes(state.layout().chunkLength(c));
            if (file[1] != bytes) {
                throw new IOException(directory + "/" + ChunkFile.name(c) + ": written with " + file[1]
                        + " bytes, not " + bytes);
            }
            // NOTE: a state that carries checksums (every stored one) must reach its file unchanged.
            if (expected.length == chunks && expected[c] != file[2]) {
                throw new IOException(directory + "/" + ChunkFile.name(c) + ": written with CRC-32C " + file[2]
                        + " but " + state + " has " + expected[c] + " for chunk " + c);
            }
            crcs[c] = file[2];
            seen[c] = true;
        }
        for (int c = 0; c < chunks; c++) {
            if (!seen[c]) {
                throw new IOException(directory + "/" + ChunkFile.name(c) + ": no task reported writing it");
            }
        }
        return crcs;
    }
}
