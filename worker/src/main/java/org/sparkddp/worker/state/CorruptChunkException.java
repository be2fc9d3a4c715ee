package org.sparkddp.worker.state;

import org.sparkddp.common.error.DeterministicFailure;
import org.sparkddp.common.error.InvalidDataException;

/**
 * A checkpoint chunk file that is missing, truncated or corrupt: reading it again anywhere gives the same, so it is
 * never retried. The message starts with the file. Thrown on executors (and on the driver for a listing).
 */
public final class CorruptChunkException extends InvalidDataException implements DeterministicFailure {
    private static final long serialVersionUID = 1L;

    public CorruptChunkException(String file, String problem) {
        super(file, problem);
    }
}
