package org.sparkddp.worker.collective;

/**
 * A peer could not be reached, went away, or did not answer in time. Thrown from a barrier task, it fails the
 * task; Spark then fails the whole barrier stage and retries it from the state it started with.
 */
public final class PeerFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PeerFailureException(String message) {
        super(message);
    }

    public PeerFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
