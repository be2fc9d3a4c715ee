package org.sparkddp.worker.stage;

import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.common.nd.NioViews;

/**
 * Synchronous SGD: every iteration, sum the ranks' gradients and apply one optimizer step with the global
 * example count. Named steps: compute, all-reduce, check, update.
 *
 * <p>Batch norm's running statistics are the exception to the sum: their updates are averaged, weighted by each
 * rank's examples (see {@link RankContext#weightRunningStatistics}), so that every replica keeps the same statistics.
 *
 * <p>Every rank sums into bitwise-identical buffers and applies the same DL4J updater, so every replica takes
 * exactly the step single-machine DL4J takes on the global batch, and the replicas never drift apart.
 *
 * <p>With overlap ({@link Overlap}), the all-reduce is a reduce-scatter per bucket on a communication thread during
 * the backward pass, then one all-gather: the same sums, bit for bit, as the all-reduce's.
 */
final class SyncStep implements StepRule {
    private final RankContext rank;
    private final FloatVector gradientAndLoss;
    /** The communication thread, or null without overlap. */
    private final OverlappedReduce overlapped;
    private final String overlapNote;

    SyncStep(RankContext rank) {
        this(rank, Overlap.OFF);
    }

    SyncStep(RankContext rank, Overlap overlap) {
        this.rank = rank;
        this.gradientAndLoss = new FloatVector(NioViews.of(rank.network.gradients()), rank.exchangedScalars());
        String unavailable = overlap.unavailable(rank, true);
        this.overlapped = unavailable == null ? overlap.start(rank, gradientAndLoss, (i, from, to) -> { }) : null;
        this.overlapNote = overlap.describe(overlapped, unavailable);
    }

    @Override
    public boolean run(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log) {
        long start = System.nanoTime();
        long computed;
        long reduced;
        if (overlapped == null) {
            rank.lossSum((float) rank.computeGradient(iteration, rows));             // compute
            rank.weightRunningStatistics(rows.length);
            computed = System.nanoTime();
            rank.collective.allReduceGradient(gradientAndLoss, rank.network.gradients().length()); // all-reduce
        } else {
            overlapped.begin();
            rank.lossSum((float) rank.computeGradient(iteration, rows, overlapped::ready)); // compute, reduce-scatter
            computed = System.nanoTime();
            overlapped.finish();
            overlapped.await();
            rank.collective.allGather(gradientAndLoss);                                 // all-gather
        }
        reduced = System.nanoTime();
        rank.agreeOnStop();
        rank.averageRunningStatistics(globalCount);
        float loss = rank.lossSum() / globalCount;
        if (!RankContext.finite(loss, rank.network)) {                           // check
            return false;
        }
        rank.network.step(iteration, rank.epoch, globalCount);                   // update
        log.loss(k, loss);
        log.compute((computed - start) + (System.nanoTime() - reduced));
        log.sync(reduced - computed);
        return true;
    }

    @Override
    public String overlap() {
        return overlapNote;
    }

    @Override
    public void close() {
        if (overlapped != null) {
            overlapped.close();
        }
    }
}
