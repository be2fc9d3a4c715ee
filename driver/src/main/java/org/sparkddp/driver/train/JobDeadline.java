package org.sparkddp.driver.train;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.driver.spark.JobLabels;

/**
 * Bounds every Spark job the driver submits by {@code training.job-timeout}. Runs on the driver: the job in the
 * calling thread, under a job group; past the deadline, a daemon timer cancels the group, which fails the job
 * (and interrupts its tasks), and the failure becomes one line naming the job and the key.
 *
 * <p>NOTE: the cancel is posted to the DAGScheduler's event queue, which is first in, first out: a job the
 * caller submits after this one returns is queued behind the cancel, so a cancel that comes too late for its own
 * job never reaches the next one in the same group.
 */
public final class JobDeadline {
    /** The driver's timer thread: the jobs' deadlines and {@link SlotWatch}'s polls, each a moment's work. */
    static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spark-ddp-driver-timer");
        t.setDaemon(true);
        return t;
    });

    private final JavaSparkContext sc;
    private final String group;
    private final Duration timeout;

    /** @param group the job group the jobs run in, e.g. "spark-ddp-" and the run's id */
    public JobDeadline(JavaSparkContext sc, String group, Duration timeout) {
        this.sc = sc;
        this.group = group;
        this.timeout = timeout;
    }

    /**
     * Runs {@code job} (one or more Spark jobs) under the group, with {@code description} for the UI, e.g.
     * "epoch 3/10 · evaluate", shown under the thread's run label; throws {@link JobTimeoutException} if it was
     * cancelled at the deadline.
     */
    public <T> T run(String description, Supplier<T> job) {
        // The UI's description carries the run's label (JobLabels); the run's own labels come back afterwards.
        JobLabels.Saved labels = JobLabels.save(sc.sc());
        sc.setJobGroup(group, JobLabels.of(sc.sc(), description), true);
        Deadline deadline = new Deadline();
        ScheduledFuture<?> timer = TIMER.schedule(deadline::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return job.get();
        } catch (Exception e) { // Spark throws SparkException, a checked exception, without declaring it
            if (deadline.expired()) {
                throw new JobTimeoutException(description, timeout, e);
            }
            throw e;
        } finally {
            deadline.finish();
            timer.cancel(false);
            labels.restore();
        }
    }

    /**
     * Cancels the group's running job now, from any thread; the job fails as a cancelled one. The caller must make
     * sure that no later job of the group can be running yet (see the note above).
     */
    public void cancelNow() {
        sc.cancelJobGroup(group);
    }

    /** One job's deadline: the timer cancels the group only while the job has not finished. */
    private final class Deadline {
        private boolean finished;
        private boolean expired;

        synchronized void expire() {
            if (!finished) {
                expired = true;
                sc.cancelJobGroup(group);
            }
        }

        synchronized void finish() {
            finished = true;
        }

        synchronized boolean expired() {
            return expired;
        }
    }
}
