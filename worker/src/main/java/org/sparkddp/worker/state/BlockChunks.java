package org.sparkddp.worker.state;

import java.nio.ByteBuffer;
import org.sparkddp.common.wire.StateVersion;

/** A state's chunks as blocks in the executors' Spark block managers. Runs on executors. */
public final class BlockChunks {
    private BlockChunks() {
    }

    static ByteBuffer read(StateVersion state, int c) {
        throw new UnsupportedOperationException("not yet"); // the state-path work implements it
    }
}
