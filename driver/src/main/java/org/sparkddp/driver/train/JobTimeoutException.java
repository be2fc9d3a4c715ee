package org.sparkddp.driver.train;

import java.time.Duration;

/**
 * A Spark job outlived {@code training.job-timeout} and was cancelled. Thrown on the driver; its message is the
 * one line the user sees. {@link StageAttempts} does not resubmit a stage that failed with it (its type, from the
 * driver's own deadline, says so): another attempt would wait as long again.
 */
public final class JobTimeoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    JobTimeoutException(String job, Duration timeout, Throwable cause) {
        super(job + ": the Spark job ran longer than training.job-timeout (" + readable(timeout) + ") and was"
                + " cancelled; look for a hung or starved task in the Spark UI and the executors' logs, or raise"
                + " training.job-timeout", cause);
    }

    /** As a config file writes it: 1h, 90m, 5s, 500ms. */
    static String readable(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
