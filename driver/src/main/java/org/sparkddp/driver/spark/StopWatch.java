package org.sparkddp.driver.spark;

import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;

/**
 * Notices a SparkContext that Spark stops under a command (a standalone master that gave up on the application,
 * an application killed from the master's UI), and wakes the command's thread. Runs on the driver: registered
 * on the context as it starts, called on the listener-bus thread.
 *
 * <p>NOTE: a stopped context fails the command's running job, but a command between jobs can park for ever:
 * a broadcast whose store fails waits in BlockInfoManager.acquireLock for a lock the stopped block manager never
 * releases. That wait is interruptible, hence the interrupt. {@link #failure} then names the cause, for the one
 * line the command ends with.
 */
final class StopWatch extends SparkListener {
    private final Thread command;
    private final String master;
    private volatile boolean closing;
    private volatile boolean stoppedUnder;

    private StopWatch(Thread command, String master) {
        this.command = command;
        this.master = master;
    }

    /** Watches {@code sc} for the calling thread, the command's. */
    static StopWatch watch(SparkContext sc) {
        StopWatch watch = new StopWatch(Thread.currentThread(), sc.master());
        sc.addSparkListener(watch);
        return watch;
    }

    /** The command stops the context itself from now on: not a failure. */
    void closing() {
        closing = true;
    }

    @Override
    public void onApplicationEnd(SparkListenerApplicationEnd end) {
        if (!closing) {
            stoppedUnder = true;
            command.interrupt();
        }
    }

    /** Whether Spark stopped the context under the command, and if so the one line that says so. */
    java.util.Optional<SparkUnavailableException> failure() {
        if (!stoppedUnder) {
            return java.util.Optional.empty();
        }
        // Spark logs its reason ("Application has been killed. Reason: Master removed our application: KILLED")
        // but posts no event with it.
        return java.util.Optional.of(new SparkUnavailableException("Spark stopped the SparkContext under the run:"
                + " the cluster manager of " + master + " ended the application (killed from the master's UI, or"
                + " the master gave up on it); Spark's reason is the driver log's 'Application has been killed'"
                + " line"));
    }
}
