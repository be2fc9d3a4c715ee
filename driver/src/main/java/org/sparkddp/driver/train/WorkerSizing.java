package org.sparkddp.driver.train;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.sparkddp.common.config.ElasticConfig;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * Decides how many workers each training stage attempt runs on, from the task slots the cluster has at that
 * moment. Runs on the driver, between stage attempts; every wait it makes is bounded by
 * {@code training.replacement-wait}.
 *
 * <p>NOTE: Spark refuses barrier stages under dynamic allocation (SPARK-24942), and its own barrier check only
 * waits for the slots a stage was submitted with. So the driver sizes each barrier job itself: with a fixed count
 * it waits for the lost executors' replacements and then fails saying so; with {@code training.elastic} it goes on
 * with the slots there are (at least {@code min-workers}) and takes new ones (up to {@code max-workers}) at the
 * next stage. The global batches do not depend on the count, so a resize changes no example of any iteration.
 */
final class WorkerSizing {
    /** Polls the slot count this often while waiting. */
    private static final long POLL_NANOS = 200_000_000L;
    /**
     * After a failed attempt the count must hold still this long before it is trusted: a killed executor's peers
     * can fail the stage a moment before the scheduler has removed the executor itself.
     */
    private static final long SETTLE_NANOS = 1_500_000_000L;

    /** Sleeps on the driver; the tests pass one that advances their own clock. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final ElasticConfig elastic;
    private final IntSupplier slots;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final List<Resize> resizes = new ArrayList<>();
    private final List<ResizeListener> listeners = new ArrayList<>();
    /** Written on the training thread, read by {@link ExecutorJoins} on the listener-bus thread. */
    private volatile int workers;
    private boolean started;

    /** Told of each resize as it is decided, before the stage on the new count runs. */
    @FunctionalInterface
    interface ResizeListener {
        void onResize(Resize resize);
    }

    /**
     * @param workers the first stage's count: {@code training.workers}
     * @param slots   the task slots the cluster has now ({@link org.sparkddp.driver.spark.ClusterSlots#now})
     */
    WorkerSizing(ElasticConfig elastic, int workers, IntSupplier slots, LongSupplier clock, Sleeper sleeper) {
        this.elastic = elastic;
        this.workers = workers;
        this.slots = slots;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    WorkerSizing(ElasticConfig elastic, int workers, IntSupplier slots) {
        this(elastic, workers, slots, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    void addListener(ResizeListener listener) {
        listeners.add(listener);
    }

    /** Whether the count may change. */
    boolean elastic() {
        return elastic.enabled();
    }

    /** The count the last decision chose. */
    int workers() {
        return workers;
    }

    /** Every resize so far, in order. */
    List<Resize> resizes() {
        return List.copyOf(resizes);
    }

    /**
     * The count for a stage's first attempt: the current one once the cluster has its slots; with elastic, more
     * when new slots have registered, fewer when lost ones did not come back within the wait.
     */
    int beforeStage(long iteration, int epoch) {
        boolean first = !started;
        started = true;
        int now = slots.getAsInt();
        if (elastic.enabled() && now > workers && workers < elastic.maxWorkers()) {
            return resize(iteration, epoch, Math.min(elastic.maxWorkers(), now), Resize.Reason.GROWN, 0);
        }
        return ensure(iteration, epoch, first);
    }

    /**
     * The count for the next attempt of a stage whose attempt failed: once the scheduler has settled, the same count
     * if its slots are there or come back within {@code training.replacement-wait}; else, with elastic, the slots
     * there are.
     */
    int afterFailure(long iteration, int epoch) {
        settle();
        return ensure(iteration, epoch, false);
    }

    private int ensure(long iteration, int epoch, boolean first) {
        long start = clock.getAsLong();
        int now = awaitSlots(workers, elastic.replacementWait().toNanos());
        long waited = clock.getAsLong() - start;
        if (now >= workers) {
            return workers;
        }
        String wait = "training.replacement-wait (" + words(elastic.replacementWait()) + ")";
        if (!elastic.enabled()) {
            if (first) {
                throw new InvalidConfigException("training.workers", "is " + workers + " but the cluster gave this job"
                        + " only " + now + " task slot" + (now == 1 ? "" : "s") + " within " + wait + ": lower"
                        + " training.workers, or give the job more executors (an executor needs spark.executor.cores"
                        + " free cores on one worker, so spark.executor.cores above a worker's cores starts none)");
            }
            throw new WorkersUnavailableException("the cluster has " + now + " of the " + workers + " task slots a stage"
                    + " needs, and lost executors were not replaced within " + wait + "; check the cluster manager"
                    + " for the lost executors, or set training.elastic = true to go on with fewer workers");
        }
        if (now < elastic.minWorkers()) {
            throw new WorkersUnavailableException("the cluster has " + now + " task slot" + (now == 1 ? "" : "s")
                    + " after waiting " + wait + ", fewer than training.min-workers (" + elastic.minWorkers()
                    + "); check the cluster manager for the lost executors");
        }
        return resize(iteration, epoch, now, first ? Resize.Reason.START : Resize.Reason.LOST, waited);
    }

    private int resize(long iteration, int epoch, int to, Resize.Reason reason, long waited) {
        Resize resize = new Resize(iteration, epoch, workers, to, reason, waited);
        resizes.add(resize);
        workers = to;
        listeners.forEach(l -> l.onResize(resize));
        return to;
    }

    /** Waits until there are {@code needed} slots or {@code maxNanos} have passed; the slots there are then. */
    private int awaitSlots(int needed, long maxNanos) {
        long deadline = clock.getAsLong() + maxNanos;
        int now = slots.getAsInt();
        while (now < needed && clock.getAsLong() < deadline) {
            pause(Math.min(POLL_NANOS, Math.max(1, deadline - clock.getAsLong())));
            now = slots.getAsInt();
        }
        return now;
    }

    /** Waits until the slot count has held still for SETTLE_NANOS, or at most the replacement wait. */
    private void settle() {
        long deadline = clock.getAsLong() + SETTLE_NANOS;
        long limit = clock.getAsLong() + Math.max(SETTLE_NANOS, elastic.replacementWait().toNanos());
        int last = slots.getAsInt();
        while (clock.getAsLong() < deadline && clock.getAsLong() < limit) {
            pause(POLL_NANOS);
            int now = slots.getAsInt();
            if (now != last) {
                last = now;
                deadline = clock.getAsLong() + SETTLE_NANOS;
            }
        }
    }

    private void pause(long nanos) {
        try {
            sleeper.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkersUnavailableException("interrupted while waiting for task slots");
        }
    }

    /** A duration as the config writes it: "3s", "1500ms". */
    static String words(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** The cluster cannot give a stage the workers it needs, within the bounds the config sets. One line. */
    static final class WorkersUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        WorkersUnavailableException(String message) {
            super(message);
        }
    }
}
