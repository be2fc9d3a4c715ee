package org.sparkddp.driver.train;

/** A training stage failed and will not be resubmitted again; the cause is the last attempt's failure. */
public final class StageFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param attempt    the attempt that failed last
     * @param allowed    training.stage-attempts: when the last attempt is not the last allowed, the message says
     *                   so, since the console already said "attempt 1 of 4"
     */
    public StageFailedException(String stage, int attempt, int allowed, String rootCause, Throwable cause) {
        super("stage " + stage + " failed " + (attempt >= allowed
                ? (attempt == 1 ? "on its only attempt" : "on all " + attempt + " attempts")
                : "on attempt " + attempt + " of " + allowed + " and cannot be resubmitted") + ": " + rootCause, cause);
    }
}
