package org.sparkddp.driver.train;

/** A training stage failed on every attempt it was given; the cause is the last attempt's failure. */
public final class StageFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StageFailedException(String stage, int attempts, String rootCause, Throwable cause) {
        super("stage " + stage + " failed " + (attempts == 1 ? "on its only attempt" : "on all " + attempts + " attempts")
                + ": " + rootCause, cause);
    }
}
