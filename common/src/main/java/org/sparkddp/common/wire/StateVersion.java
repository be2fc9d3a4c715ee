package org.sparkddp.common.wire;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Names one training state (parameters and optimizer state) that lives on the executors, never on the driver: what
 * the driver passes to a stage, an evaluation, a checkpoint or the model writer instead of the vectors themselves.
 * A few dozen bytes plus 8 per chunk, whatever the model's size. Made on the driver from the ranks' reports.
 *
 * <p>Its chunks are cut as its {@link #layout()} says; their bytes are little-endian float32.
 *
 * @param runId        the run the state belongs to
 * @param id           unique within the run and increasing: names the state's blocks
 * @param iteration    optimizer steps applied so far
 * @param epoch        epochs completed so far
 * @param paramCount   number of parameters
 * @param updaterCount number of optimizer-state values (0 for plain SGD)
 * @param chunkFloats  floats per chunk
 * @param crcs         CRC-32C of each chunk's bytes, for verifying every read (empty for {@link Home#FRESH})
 * @param home         where the chunks are
 * @param blockRdd     for {@link Home#BLOCKS}: the block-id namespace ({@code RDDBlockId(blockRdd, chunk)})
 * @param directory    for {@link Home#FILES}: the directory holding the chunk files
 */
public record StateVersion(String runId, long id, long iteration, int epoch, long paramCount, long updaterCount,
                           int chunkFloats, long[] crcs, Home home, int blockRdd, String directory)
        implements Serializable {
    /** Where a state's chunks are. */
    public enum Home {
        /** Nowhere yet: the network's own initialization from the run's seed (the same on every executor). */
        FRESH,
        /** In the executors' Spark block managers, replicated. */
        BLOCKS,
        /** Files in a directory on a Hadoop FileSystem (a checkpoint). */
        FILES
    }

    public StateVersion {
        StateLayout layout = new StateLayout(paramCount, updaterCount, chunkFloats);
        crcs = crcs.clone();
        if (home != Home.FRESH && crcs.length != layout.chunks()) {
            throw new IllegalArgumentException(crcs.length + " checksums for " + layout.chunks() + " chunks");
        }
    }

    /** How the state is cut into chunks. */
    public StateLayout layout() {
        return new StateLayout(paramCount, updaterCount, chunkFloats);
    }

    public int chunks() {
        return layout().chunks();
    }

    @Override
    public long[] crcs() {
        return crcs.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateVersion s && runId.equals(s.runId) && id == s.id && iteration == s.iteration
                && epoch == s.epoch && paramCount == s.paramCount && updaterCount == s.updaterCount
                && chunkFloats == s.chunkFloats && Arrays.equals(crcs, s.crcs) && home == s.home
                && blockRdd == s.blockRdd && java.util.Objects.equals(directory, s.directory);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(id) * 31 + runId.hashCode();
    }

    @Override
    public String toString() {
        return "StateVersion[" + runId + "#" + id + ", iteration " + iteration + ", " + home + ", " + chunks()
                + " chunks]";
    }
}
