package org.sparkddp.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.sparkddp.bench.LayerSchedule.Bucket;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.FloatVector;

/**
 * Replays a model's measured training step on one rank of the scaling benchmark, with the project's real collective:
 * the forward pass and each layer's backward are waits of their measured length (sleeps, not spins, so that 16 ranks
 * fit on 2 cores), each after the step's start; once a layer's backward has run, its bucket of the gradient (one per
 * layer with parameters, last layer first) is all-reduced, then the optimizer step is a wait too. Runs in a rank's JVM
 * ({@link CollectiveRank}).
 *
 * <p>Modes: {@link Mode#OVERLAPPED} hands each bucket to a communication thread as soon as it is ready, while the
 * earlier layers' backward replays go on; {@link Mode#SEQUENTIAL} all-reduces the whole gradient once, after the
 * whole backward (sync mode without buckets); {@link Mode#COMPUTE} runs no all-reduce: the replay's own time, with
 * this machine's sleep overshoot.
 */
final class ReplayRun implements AutoCloseable {
    enum Mode { COMPUTE, SEQUENTIAL, OVERLAPPED }

    /** The replay's time: real, or a test's. */
    interface Clock {
        long nanoTime();

        /** Returns once {@link #nanoTime} has reached {@code deadline}. */
        void sleepUntil(long deadline);
    }

    /** The system's clock; a wait parks in slices, so that an early wake-up waits again. */
    static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleepUntil(long deadline) {
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
    };

    private final LayerSchedule schedule;
    private final List<Bucket> buckets;
    private final Collective whole;
    private final List<Collective> perBucket;
    private final Clock clock;
    private final Duration timeout;
    private final FloatVector gradient;
    private final List<FloatVector> bucketVectors = new ArrayList<>();
    private final ExecutorService comm;

    /**
     * @param whole     all-reduces the whole gradient ({@link Mode#SEQUENTIAL})
     * @param perBucket all-reduces bucket i ({@link Mode#OVERLAPPED}), one per bucket of
     *                  {@code schedule.buckets(1)}: with a bf16 wire each bucket needs a collective of its own, as its
     *                  error feedback keeps one residual per gradient; with fp32 they may all be {@code whole}
     * @param timeout   bound on each bucket's all-reduce, as seen from the backward thread
     */
    ReplayRun(LayerSchedule schedule, Collective whole, List<Collective> perBucket, Clock clock, Duration timeout) {
        this.schedule = schedule;
        this.buckets = schedule.buckets(1);
        if (perBucket.size() != buckets.size()) {
            throw new IllegalArgumentException(schedule.model() + " has " + buckets.size() + " buckets, but "
                    + perBucket.size() + " collectives were given");
        }
        this.whole = whole;
        this.perBucket = List.copyOf(perBucket);
        this.clock = clock;
        this.timeout = timeout;
        // Zeros: the sum stays 0 however often it is taken (ones would overflow within a few dozen steps).
        ByteBuffer buffer = ByteBuffer.allocateDirect(Math.toIntExact(schedule.parameters() * Float.BYTES))
                .order(ByteOrder.nativeOrder());
        this.gradient = new FloatVector(buffer);
        for (Bucket b : buckets) {
            bucketVectors.add(new FloatVector(buffer.slice(Math.toIntExact(b.from() * Float.BYTES),
                    Math.toIntExact(b.floats() * Float.BYTES))));
        }
        this.comm = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "replay-comm");
            t.setDaemon(true);
            return t;
        });
    }

    /** The buckets the replay hands over, in order. */
    List<Bucket> buckets() {
        return buckets;
    }

    /** {@code warmup} untimed steps, then {@code steps} timed ones: each step's time in ms. */
    double[] run(Mode mode, int warmup, int steps) {
        double[] ms = new double[steps];
        for (int i = -warmup; i < steps; i++) {
            double t = step(mode);
            if (i >= 0) {
                ms[i] = t;
            }
        }
        return ms;
    }

    private double step(Mode mode) {
        long start = clock.nanoTime();
        clock.sleepUntil(start + nanos(schedule.forwardMs()));
        List<Future<?>> pending = new ArrayList<>();
        for (int b = 0; b < buckets.size(); b++) {
            clock.sleepUntil(start + nanos(buckets.get(b).readyMs()));
            if (mode == Mode.OVERLAPPED) {
                Collective collective = perBucket.get(b);
                FloatVector vector = bucketVectors.get(b);
                pending.add(comm.submit(() -> collective.allReduceGradient(vector, vector.length())));
            }
        }
        clock.sleepUntil(start + nanos(schedule.backwardEndMs()));
        if (mode == Mode.SEQUENTIAL) {
            whole.allReduceGradient(gradient, gradient.length());
        }
        for (int b = 0; b < pending.size(); b++) {
            await(pending.get(b), b);
        }
        clock.sleepUntil(clock.nanoTime() + nanos(schedule.updateMs()));
        return (clock.nanoTime() - start) / 1e6;
    }

    private void await(Future<?> bucket, int b) {
        try {
            bucket.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: bucket %d's all-reduce did not finish"
                    + " within %d s", schedule.model(), b, timeout.toSeconds()), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(schedule.model() + ": bucket " + b + "'s all-reduce failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(schedule.model() + ": interrupted while waiting for bucket " + b, e);
        }
    }

    private static long nanos(double ms) {
        return Math.round(ms * 1e6);
    }

    @Override
    public void close() {
        comm.shutdownNow();
    }
}
