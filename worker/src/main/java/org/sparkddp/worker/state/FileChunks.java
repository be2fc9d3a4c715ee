package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import org.sparkddp.common.wire.StateVersion;

/** A state's chunks as files in a directory on a Hadoop FileSystem (a checkpoint). Runs on executors. */
public final class FileChunks {
    private FileChunks() {
    }

    static ByteBuffer read(StateVersion state, int c) {
        throw new UnsupportedOperationException("not yet"); // the checkpoint work implements it
    }
}
