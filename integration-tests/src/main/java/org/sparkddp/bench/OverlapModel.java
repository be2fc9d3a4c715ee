package org.sparkddp.bench;

import java.util.List;
import java.util.function.LongToDoubleFunction;
import org.sparkddp.bench.LayerSchedule.Bucket;

/**
 * The time of one synchronous training step whose all-reduce is, or is not, overlapped with back-propagation, from a
 * model's measured {@link LayerSchedule} and a cost for one all-reduce of n floats (the fitted
 * {@link AllReduceCost}). Pure arithmetic; runs in the benchmark's parent JVM.
 *
 * <p>Overlapped: one communication thread all-reduces the buckets one after the other, in the order back-propagation
 * hands them over; a bucket starts once it is ready and the one before it is done. The step ends when the last
 * bucket is done (and the backward too), then the optimizer steps. So a step takes about max(compute, the buckets'
 * all-reduces but the last) + the last bucket's all-reduce + the update: what the last bucket (the first layer's)
 * costs cannot hide. Not overlapped: the whole gradient in one all-reduce after the backward, as sync mode does
 * without buckets. The update is 1/W of the optimizer step where sync mode shards it ({@link
 * LayerSchedule#updateMs(int)}; its reduce-scatter and all-gather add up to the all-reduce), the whole step elsewhere.
 */
final class OverlapModel {
    /** The bucket caps a prediction tries, in floats (1 = one bucket per layer); one bucket is always among them. */
    static final long[] CAPS = {1, 256L << 10, 1L << 20, 25L << 18, LayerSchedule.ONE_BUCKET};

    /** A step's predicted time and the bucket cap that gave it. */
    record Step(double ms, long capFloats) {
    }

    private OverlapModel() {
    }

    /** A step of one of {@code ranks} ranks without overlap: the backward, one all-reduce of every parameter, the update. */
    static double sequentialMs(LayerSchedule s, int ranks, LongToDoubleFunction allReduceMs) {
        return s.backwardEndMs() + allReduceMs.applyAsDouble(s.parameters()) + s.updateMs(ranks);
    }

    /** A step whose buckets of at most {@code capFloats} are all-reduced while back-propagation goes on. */
    static double overlappedMs(LayerSchedule s, long capFloats, int ranks, LongToDoubleFunction allReduceMs) {
        List<Bucket> buckets = s.buckets(capFloats);
        double done = 0;
        for (Bucket b : buckets) {
            done = Math.max(done, b.readyMs()) + allReduceMs.applyAsDouble(b.floats());
        }
        return Math.max(done, s.backwardEndMs()) + s.updateMs(ranks);
    }

    /**
     * A step as sync mode runs it with {@code training.bucket-mb} (the worker's {@code OverlappedReduce}): the
     * communication thread reduce-scatters each bucket once it is ready and the one before it is done, half an
     * all-reduce (the ring's and the torus's first halves: exactly half the hops and bytes in {@link AllReduceCost}'s
     * terms); then one all-gather of the whole vector on the task thread, which nothing hides (the next forward pass
     * needs every parameter), and the update (the sharded step's part of each bucket runs on the communication thread;
     * counted after, 1/W of the optimizer step). Where sync mode does not overlap ({@link
     * LayerSchedule#overlapsInSyncMode}), the sequential step. Unlike {@link #overlappedMs} (DDP's all-reduce per
     * bucket, which the replays run), this is what the product's step does.
     */
    static double syncModeMs(LayerSchedule s, long capFloats, int ranks, LongToDoubleFunction allReduceMs) {
        if (!s.overlapsInSyncMode()) {
            return sequentialMs(s, ranks, allReduceMs);
        }
        double done = 0;
        for (Bucket b : s.buckets(capFloats)) {
            done = Math.max(done, b.readyMs()) + allReduceMs.applyAsDouble(b.floats()) / 2;
        }
        return Math.max(done, s.backwardEndMs()) + allReduceMs.applyAsDouble(s.parameters()) / 2 + s.updateMs(ranks);
    }

    /** {@link #syncModeMs} at the best of {@link #CAPS}; one bucket is the sequential step, so never above it. */
    static Step bestSyncMode(LayerSchedule s, int ranks, LongToDoubleFunction allReduceMs) {
        return best(cap -> syncModeMs(s, cap, ranks, allReduceMs));
    }

    /**
     * The overlapped step at the best of {@link #CAPS}: as DDP's {@code bucket_cap_mb}, set where the per-call cost
     * of many small buckets and the exposed last bucket balance. One bucket is among the caps, so the result is never
     * above {@link #sequentialMs}.
     */
    static Step bestOverlapped(LayerSchedule s, int ranks, LongToDoubleFunction allReduceMs) {
        return best(cap -> overlappedMs(s, cap, ranks, allReduceMs));
    }

    /** The fastest of {@code stepMs} over {@link #CAPS}, the first cap on a tie. */
    private static Step best(LongToDoubleFunction stepMs) {
        Step best = null;
        for (long cap : CAPS) {
            double ms = stepMs.applyAsDouble(cap);
            if (best == null || ms < best.ms()) {
                best = new Step(ms, cap);
            }
        }
        return best;
    }

    /**
     * Local SGD (average mode): K local steps (each rank's whole optimizer step), then the parameters and the
     * optimizer's state ({@code stateFloats} per parameter besides the parameter itself: 2 for Adam) averaged in one
     * all-reduce: per step, the compute and a K-th of that all-reduce.
     */
    static double localSgdMs(LayerSchedule s, int k, int stateFloats, LongToDoubleFunction allReduceMs) {
        return s.computeMs() + allReduceMs.applyAsDouble(s.parameters() * (1 + stateFloats)) / k;
    }

    /** Scaling efficiency: the step's compute over its time. */
    static double efficiency(LayerSchedule s, double stepMs) {
        return s.computeMs() / stepMs;
    }

    /** A cap in words for the report. */
    static String capName(long capFloats) {
        if (capFloats == LayerSchedule.ONE_BUCKET) {
            return "one bucket";
        }
        if (capFloats == 1) {
            return "per layer";
        }
        return String.format(java.util.Locale.ROOT, "%.0f MB", capFloats * 4.0 / (1 << 20));
    }
}
