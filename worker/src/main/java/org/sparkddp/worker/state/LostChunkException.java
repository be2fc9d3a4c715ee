package org.sparkddp.worker.state;

import org.sparkddp.common.error.DeterministicFailure;

/**
 * A state's chunk that no block manager holds any more (every executor that stored or replicated it is gone).
 * Deterministic: a retry from the same state would look for the same chunk and fail the same way, so the driver
 * ends the run with this one line instead. Thrown on executors.
 */
public final class LostChunkException extends IllegalStateException implements DeterministicFailure {
    private static final long serialVersionUID = 1L;

    public LostChunkException(String message) {
        super(message);
    }
}
