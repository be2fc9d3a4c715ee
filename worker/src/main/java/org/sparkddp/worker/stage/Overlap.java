package org.sparkddp.worker.stage;

import java.time.Duration;
import java.util.Locale;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.worker.collective.FloatVector;

/**
 * Whether a sync rule reduces its gradient in buckets during back-propagation ({@code training.bucket-mb}), and
 * what the console says about it. Runs on an executor, when a stage's rule is made; every rank decides the same way
 * from the same network, collective and settings.
 *
 * @param bucketMb MiB per bucket; 0: no overlap
 * @param timeout  the sync timeout: the bound on each wait for the communication thread
 */
record Overlap(double bucketMb, Duration timeout) {
    /** No overlap: the whole gradient is reduced after the backward pass. */
    static final Overlap OFF = new Overlap(0, Duration.ofSeconds(1));

    /**
     * Why {@code rank}'s rule cannot overlap, in a phrase, or null if it can.
     *
     * @param replicated the replicated {@link SyncStep}, which weights batch norm's running statistics after the pass
     */
    String unavailable(RankContext rank, boolean replicated) {
        if (bucketMb == 0) {
            return "training.bucket-mb = 0";
        }
        if (rank.network.gradientReadyOrder().isEmpty()) {
            return "DL4J's layers compute the gradient, and hand over no layer's before the backward pass ends";
        }
        String collective = rank.collective.gradientRangesUnsupported();
        if (collective != null) {
            return collective;
        }
        if (replicated && rank.collective.gradientWire() != WireFormat.FP32) {
            return "training.wire = bf16, and the replicated step's all-gather sends a bf16 gradient whole";
        }
        if (replicated && !rank.network.runningStatistics().isEmpty()) {
            return "batch norm's running statistics are weighted by each worker's examples after the backward pass";
        }
        return null;
    }

    /** Starts the communication thread over {@code vector}, whose first floats are the network's gradient. */
    OverlappedReduce start(RankContext rank, FloatVector vector, OverlappedReduce.AfterBucket after) {
        long capFloats = Math.max(1, (long) (bucketMb * (1 << 20) / Float.BYTES));
        BucketPlan plan = BucketPlan.of(rank.network.gradientReadyOrder(), vector.length(), capFloats);
        return new OverlappedReduce(rank.collective, vector, rank.network.gradients().length(), plan, after, timeout);
    }

    /** The {@code compute:} line's words: the buckets, or why there are none. */
    String describe(OverlappedReduce reduce, String unavailable) {
        if (reduce != null) {
            return String.format(Locale.ROOT, "; gradients reduced during back-propagation in %d buckets"
                    + " (training.bucket-mb = %s, the largest %s MiB)", reduce.buckets(),
                    java.math.BigDecimal.valueOf(bucketMb).stripTrailingZeros().toPlainString(), reduce.capMb());
        }
        return "; no overlap with back-propagation (" + unavailable + ")";
    }
}
