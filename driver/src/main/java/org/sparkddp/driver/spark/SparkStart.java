package org.sparkddp.driver.spark;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.error.InvalidInputException;

/**
 * Starts a command's SparkContext, within a bound when the master is a standalone one. Runs on the driver.
 *
 * <p>Against {@code spark://}, Spark's constructor waits for the master to register the application: three tries
 * 20 s apart, then "All masters are unresponsive! Giving up.", after which it returns a context that it is
 * already stopping, and the command's next broadcast parks for ever. A master that rejects the application's
 * connections (a job without the cluster's secret) looks exactly like one that is down. So: a TCP probe first
 * ({@link MasterProbe}: a closed port fails in seconds), then the constructor in a thread of its own, waited for
 * at most {@link #START_BOUND}; a registration takes well under a second on a live cluster.
 */
public final class SparkStart {
    /** The longest a standalone master may take to register the application, after the probe. */
    public static final Duration START_BOUND = Duration.ofSeconds(30);

    private SparkStart() {
    }

    /** The context for {@code conf}: the running one if any (tests share one), else a new one. */
    public static JavaSparkContext context(SparkConf conf) {
        validate(conf);
        String master = conf.get("spark.master", "");
        if (!master.startsWith("spark://")) {
            return new JavaSparkContext(SparkContext.getOrCreate(conf));
        }
        MasterProbe.requireReachable(master);
        FutureTask<SparkContext> start = new FutureTask<>(() -> SparkContext.getOrCreate(conf));
        // A daemon: if the bound passes, the command fails and the JVM exits without waiting for it.
        Thread starter = new Thread(start, "spark-ddp-spark-start");
        starter.setDaemon(true);
        starter.start();
        SparkContext sc;
        try {
            sc = start.get(START_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // NOTE: not interrupted: Spark's constructor does not clean up after an InterruptedException (it
            // is not NonFatal), and the command is about to exit anyway.
            throw new SparkUnavailableException("the Spark master " + master + " did not register the application"
                    + " within " + START_BOUND.toSeconds() + " s; " + SparkUnavailableException.checkMaster(master), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SparkUnavailableException("interrupted while starting Spark against " + master, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            // Spark's constructor throws SparkException, checked but undeclared: Main finds its cause as ever.
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
        if (sc.isStopped()) { // the master gave up on it within the bound
            throw new SparkUnavailableException("Spark stopped as it started: the master " + master
                    + " did not take the application; " + SparkUnavailableException.checkMaster(master));
        }
        return new JavaSparkContext(sc);
    }

    /**
     * Spark's own check of its settings, which its constructor runs: a setting it refuses (a {@code -Dspark...}
     * option or {@code -Xmx} in {@code spark.executor.extraJavaOptions}, say) is the user's input, so one line naming
     * the key, exit 2, instead of an internal error from inside the constructor. Checked on a copy: the check
     * moves deprecated settings as it goes, and the constructor does that on its own copy anyway.
     */
    static void validate(SparkConf conf) {
        try {
            conf.clone().validateSettings();
        } catch (Exception e) { // Scala throws a plain java.lang.Exception here
            throw new InvalidInputException("Spark refused its settings: " + e.getMessage(), e);
        }
    }
}
