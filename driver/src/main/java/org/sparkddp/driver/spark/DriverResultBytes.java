package org.sparkddp.driver.spark;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Sums the task results the driver received while it is registered: {@code TaskMetrics.resultSize}, the
 * serialized bytes of each ended task's result (sent inline, or fetched from the executor's block manager when
 * large), for every task of the application, whatever job it belongs to. {@code summary.json} reports it as
 * {@code driver_result_bytes}, the evidence that the driver receives figures, not rows. Runs on the driver: events
 * arrive on Spark's listener-bus thread, {@link #total} is read on the command's thread.
 */
public final class DriverResultBytes extends SparkListener implements AutoCloseable {
    /** How long {@link #total} waits for events Spark has posted but not yet delivered. */
    private static final long FLUSH_MILLIS = 10_000;

    private final LongAdder bytes = new LongAdder();
    private final SparkContext sc;

    /** @param sc the context it is registered with, or null for one fed events by hand (tests) */
    DriverResultBytes(SparkContext sc) {
        this.sc = sc;
    }

    /** Starts counting the results of {@code sc}'s tasks from now on. */
    public static DriverResultBytes watch(SparkContext sc) {
        DriverResultBytes listener = new DriverResultBytes(sc);
        sc.addSparkListener(listener);
        return listener;
    }

    /** Whether this one counts {@code context}'s tasks, so that a job does not register twice. */
    public boolean watches(SparkContext context) {
        return sc == context;
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        TaskMetrics metrics = end.taskMetrics(); // null for a task that failed before reporting any
        if (metrics != null) {
            bytes.add(metrics.resultSize());
        }
    }

    /**
     * The bytes so far. NOTE: Spark delivers listener events asynchronously, after the job that ran the tasks has
     * returned to its caller; so the bus is drained first (through {@code listenerBus}, which is
     * {@code private[spark]} in Scala and therefore public to Java), else the last stage's results could be missed.
     */
    public long total() {
        if (sc != null && !sc.isStopped()) {
            try {
                sc.listenerBus().waitUntilEmpty(FLUSH_MILLIS);
            } catch (TimeoutException e) {
                // A bus still busy after 10 s: report what has arrived rather than hold up the run's outputs.
            }
        }
        return bytes.sum();
    }

    @Override
    public void close() {
        if (sc != null) {
            sc.removeSparkListener(this);
        }
    }
}
