package org.sparkddp.driver.train;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Ends a training stage attempt that can no longer start. A barrier stage launches all its tasks together or none:
 * when executors are lost after the driver sized an attempt but before Spark launched its tasks, Spark waits for
 * the missing slots with no error and no bound (its slot check runs only at submission). Runs on the driver: while
 * the attempt's job runs, a daemon timer polls the cluster's task slots and, once they have stayed below the
 * attempt's workers for {@code training.replacement-wait}, cancels the job, which then fails as a lost executor
 * does (the next attempt is sized to the slots there are, or a fixed run ends with one line). A lost executor that
 * was running a task needs none of this: Spark fails the stage at once.
 */
final class SlotWatch {
    private static final long POLL_NANOS = 200_000_000L;

    private final IntSupplier slots;
    private final int workers;
    private final long waitNanos;
    private final Runnable cancel;
    private final LongSupplier clock;
    private long shortSince = -1;
    private int slotsWhenFired = -1;
    private boolean closed;

    SlotWatch(IntSupplier slots, int workers, Duration wait, Runnable cancel, LongSupplier clock) {
        this.slots = slots;
        this.workers = workers;
        this.waitNanos = wait.toNanos();
        this.cancel = cancel;
        this.clock = clock;
    }

    /**
     * Runs {@code job} (a stage attempt of {@code workers} tasks) under a watch that calls {@code cancel} once the
     * slots have been short for {@code wait}; a job that then fails throws {@link SlotsLostException} instead.
     */
    static <T> T guard(IntSupplier slots, int workers, Duration wait, Runnable cancel, Supplier<T> job) {
        SlotWatch watch = new SlotWatch(slots, workers, wait, cancel, System::nanoTime);
        ScheduledFuture<?> polling = JobDeadline.TIMER.scheduleWithFixedDelay(watch::poll, POLL_NANOS, POLL_NANOS,
                TimeUnit.NANOSECONDS);
        try {
            return job.get();
        } catch (Exception e) { // Spark throws SparkException, a checked exception, without declaring it
            if (watch.close()) {
                throw watch.failure(e);
            }
            throw e;
        } finally {
            polling.cancel(false);
            watch.close();
        }
    }

    /** One look at the slots; cancels the job once they have been short for the whole wait. */
    synchronized void poll() {
        if (closed || slotsWhenFired >= 0) {
            return;
        }
        int now;
        try {
            now = slots.getAsInt();
        } catch (IllegalStateException stopped) {
            return; // Spark has stopped: the job fails by itself
        }
        if (now >= workers) {
            shortSince = -1;
            return;
        }
        long t = clock.getAsLong();
        if (shortSince < 0) {
            shortSince = t;
        }
        if (t - shortSince >= waitNanos) {
            slotsWhenFired = now;
            // Inside the lock: once close() has returned, no cancel can reach the next job of the same group.
            cancel.run();
        }
    }

    /** Stops the watch; true if it had cancelled the job. */
    synchronized boolean close() {
        closed = true;
        return slotsWhenFired >= 0;
    }

    SlotsLostException failure(Exception cancelled) {
        return new SlotsLostException(workers, slotsWhenFired, Duration.ofNanos(waitNanos), cancelled);
    }

    /** The stage attempt was cancelled because the cluster lost the task slots it needed before it could start. */
    static final class SlotsLostException extends RuntimeException {
        SlotsLostException(int workers, int slots, Duration wait, Exception cancelled) {
            super("the stage needs " + workers + " task slots at once but executors were lost: the cluster had " + slots
                    + " for training.replacement-wait (" + WorkerSizing.words(wait) + ")", cancelled);
        }
    }
}
