package org.sparkddp.worker.stage;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.PeerFailureException;

/**
 * Reduces an exchanged vector bucket by bucket on a communication thread of its own while the backward pass goes
 * on (PyTorch DDP's Reducer: the pass only announces that a layer's gradients are final; this class alone decides
 * the buckets' order and starts their reductions). Runs on an executor, one per rank and stage; the rank's task
 * thread calls {@link #begin}, {@link #ready} (from inside the backward pass), {@link #finish} and {@link #await},
 * in that order, once per iteration, and {@link #close} when the stage ends, however it ends.
 *
 * <p>Every rank reduces the same buckets in the same order ({@link BucketPlan}): the thread reduces bucket
 * {@code i} once the pass has finished all of it, and never before bucket {@code i - 1}. After each bucket it runs
 * {@link AfterBucket} (the sharded step's update of the rank's part of the bucket).
 *
 * <p>Every wait of the task thread is bounded: {@link #await} fails if no bucket completes within the sync timeout,
 * and a failure of the thread fails {@link #await} with one line naming the bucket and the collective's own message
 * (which names the peer). The thread waits for work without a bound, but only on this rank's own task, and
 * {@link #close} stops it (interrupting it if it is inside a collective call) and joins it.
 */
final class OverlappedReduce implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OverlappedReduce.class);
    /** Names the threads, so that a test can find a rank's thread and tell that none is left after a stage. */
    static final String THREAD_PREFIX = "sparkddp-buckets-";

    /** Runs on the communication thread right after bucket {@code index}, floats {@code [from, to)}, is reduced. */
    interface AfterBucket {
        void reduced(int index, long from, long to);
    }

    private final Collective collective;
    private final FloatVector vector;
    /** The vector's first floats that are the gradient (they may cross as bf16); the rest cross exactly. */
    private final long gradient;
    private final BucketPlan plan;
    private final AfterBucket after;
    private final Duration timeout;
    private final Thread thread;
    private final int count;

    /** Guards everything below; the task thread and the communication thread hand buckets over through it. */
    private final Object lock = new Object();
    /** Per bucket, the finished ranges still to come this iteration. */
    private final int[] missing;
    /** Whether an iteration is under way: set by {@link #begin}, cleared once every bucket is reduced. */
    private boolean active;
    /** The bucket the thread reduces next. */
    private int next;
    private RuntimeException failure;
    private boolean closed;

    OverlappedReduce(Collective collective, FloatVector vector, long gradient, BucketPlan plan, AfterBucket after,
                     Duration timeout) {
        this.collective = collective;
        this.vector = vector;
        this.gradient = gradient;
        this.plan = plan;
        this.after = after;
        this.timeout = timeout;
        this.count = plan.buckets().size();
        this.missing = new int[count];
        this.thread = new Thread(this::loop, THREAD_PREFIX + "rank-" + collective.rank());
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) -> died(e));
        thread.start();
    }

    /** Starts an iteration: no bucket is ready until the pass announces its ranges. */
    void begin() {
        synchronized (lock) {
            requireUsable();
            if (active) {
                throw new IllegalStateException("an iteration's buckets are still being reduced");
            }
            for (int i = 0; i < count; i++) {
                // A bucket no range feeds (the loss sum and stop flag among them) waits for finish(): the task
                // thread writes the scalars only after the pass returns.
                int parts = plan.buckets().get(i).parts();
                missing[i] = parts == 0 ? 1 : parts;
            }
            next = 0;
            active = true;
            lock.notifyAll();
        }
    }

    /** Finished range {@code k} of the backward pass's order: the buckets it completes may go. */
    void ready(int k) {
        synchronized (lock) {
            for (int i : plan.feeds(k)) {
                missing[i]--;
            }
            lock.notifyAll();
        }
    }

    /** The pass has ended (and the scalars are set): every bucket may go, announced or not. */
    void finish() {
        synchronized (lock) {
            java.util.Arrays.fill(missing, 0);
            lock.notifyAll();
        }
    }

    /** Waits until every bucket is reduced; fails if none completes within the timeout, or if the thread failed. */
    void await() {
        synchronized (lock) {
            long deadline = System.nanoTime() + timeout.toNanos();
            int seen = next;
            while (failure == null && active) {
                if (next != seen) {
                    seen = next;
                    deadline = System.nanoTime() + timeout.toNanos(); // progress: a fresh bound for the next bucket
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new PeerFailureException("rank " + collective.rank() + ": " + describe(next)
                            + " was not reduced within " + timeout.toSeconds() + "s (training.sync-timeout)");
                }
                waitOn(left);
            }
            requireUsable();
        }
    }

    private void loop() {
        while (true) {
            int index;
            synchronized (lock) {
                while (!closed && !(active && missing[next] <= 0)) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        if (!closed) { // close() interrupts; anything else must not end the thread unnoticed
                            failure = new IllegalStateException("rank " + collective.rank() + ": the communication"
                                    + " thread was interrupted while waiting for "
                                    + (active ? describe(next) : "the next iteration"), e);
                            lock.notifyAll();
                        }
                        return;
                    }
                }
                if (closed) {
                    return;
                }
                index = next;
            }
            BucketPlan.Bucket bucket = plan.buckets().get(index);
            try {
                collective.reduceScatterGradient(vector, gradient, bucket.from(), bucket.to());
                synchronized (lock) {
                    if (closed) {
                        return; // the stage has ended: its rule may be freeing what the update would use
                    }
                }
                after.reduced(index, bucket.from(), bucket.to());
            } catch (RuntimeException e) {
                synchronized (lock) {
                    failure = new PeerFailureException("rank " + collective.rank() + ": the communication thread"
                            + " failed on " + describe(index) + ": " + e.getMessage(), e);
                    lock.notifyAll();
                }
                return;
            }
            synchronized (lock) {
                next++;
                if (next == count) {
                    active = false;
                }
                lock.notifyAll();
            }
        }
    }

    /**
     * On the communication thread, as an Error (out of memory, a failed assertion) ends it: fails {@link #await} at
     * once with one line, rather than at the timeout with a message that blames the peers.
     */
    private void died(Throwable e) {
        synchronized (lock) {
            if (failure == null) {
                failure = new IllegalStateException("rank " + collective.rank() + ": the communication thread failed"
                        + " on " + describe(Math.min(next, count - 1)) + ": " + e, e);
            }
            lock.notifyAll();
        }
    }

    private String describe(int index) {
        BucketPlan.Bucket b = plan.buckets().get(index);
        return "bucket " + (index + 1) + " of " + count + " (floats [" + b.from() + ", " + b.to() + "))";
    }

    private void requireUsable() {
        if (failure != null) {
            throw failure;
        }
        if (closed) {
            throw new IllegalStateException("the overlapped reduce was closed");
        }
    }

    private void waitOn(long nanos) {
        try {
            lock.wait(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PeerFailureException("rank " + collective.rank() + ": interrupted while waiting for "
                    + describe(next), e);
        }
    }

    /** Stops the thread: at once when idle, else by interrupting its collective call; waits for it, bounded. */
    @Override
    public void close() {
        stop("");
    }

    /**
     * As {@link #close}, and says whether the thread has ended; {@code leaving} ends the WARN line logged if it has
     * not (what the caller leaves alone for it).
     */
    boolean stop(String leaving) {
        synchronized (lock) {
            if (closed) {
                return !thread.isAlive();
            }
            closed = true;
            lock.notifyAll();
        }
        thread.interrupt();
        try {
            thread.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            // WARN: once per stage at most; the thread is a daemon and ends with its collective call's own timeout.
            LOG.warn("rank {}: the communication thread {} did not stop within {}s of the stage's end{}",
                    collective.rank(), thread.getName(), timeout.toSeconds(), leaving);
            return false;
        }
        return true;
    }

    /** How many buckets each iteration reduces. */
    int buckets() {
        return count;
    }

    /** The largest bucket, in MiB of floats, for the console. */
    String capMb() {
        long most = plan.buckets().stream().mapToLong(b -> b.to() - b.from()).max().orElse(0);
        return String.format(java.util.Locale.ROOT, "%.2f", most * (double) Float.BYTES / (1 << 20));
    }
}
