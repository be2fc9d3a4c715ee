package org.sparkddp.worker.collective;

/**
 * A peer could not be reached, went away, or did not answer in time. Thrown from a barrier task, it fails the
 * task, and Spark fails the whole barrier stage. Spark does not retry it (a failed barrier result stage aborts
 * the job): the driver resubmits the stage, from the state it started with ({@code StageAttempts}).
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
