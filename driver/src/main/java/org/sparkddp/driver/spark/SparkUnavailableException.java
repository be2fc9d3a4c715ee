package org.sparkddp.driver.spark;

/**
 * Spark could not be started, or was stopped under the command, for a reason outside spark-ddp: a master that
 * cannot be reached, that does not register the application (a missing or wrong secret looks the same), or that
 * gave up on it. Its message is the one line the user sees, naming the master and what to check. Thrown on the
 * driver.
 */
public final class SparkUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SparkUnavailableException(String message) {
        super(message);
    }

    public SparkUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What a user should check about a standalone master that did not take the application. */
    static String checkMaster(String master) {
        return "check that " + master + " is the master's URL and that the master runs, and that the job has the"
                + " cluster's secret (spark.authenticate=true and spark.authenticate.secret, as in the cluster's"
                + " spark-defaults.conf; deploy/local-cluster submit passes it)";
    }
}
