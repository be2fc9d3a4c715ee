package org.sparkddp.worker.stage;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.common.nd.NioViews;

/**
 * Parameter averaging: each rank takes {@code every} optimizer steps on its own share of each global batch, then
 * the ranks average their parameters and updater state (Adam's moments too), weighted by the examples each saw
 * since the last average, and continue from the average. Named steps: compute, update, and every K: average.
 *
 * <p>NOTE: weighting by examples makes K = 1 with plain SGD exactly synchronous SGD:
 * {@code sum_w n_w (p - lr g_w / n_w) / N = p - lr sum_w g_w / N}.
 *
 * <p>Averages happen after every global iteration {@code i} with {@code (i + 1) % K == 0}, counted over the whole
 * run, and at the end of every stage, so the state a stage returns is always a consensus. The driver ends stages
 * only where a regular average falls, or at an epoch's end or the iteration cap (the same place in every run,
 * where a window is cut short), so stage ends, checkpoints and retries never change the result. For the same
 * reason rank 0's stop (the stage's time budget) rides only the regular averages: it never forces one of its own.
 * Divergence is noticed at the next average, within K iterations. Between averages each iteration's loss is this
 * rank's own; at an average the window's losses become the all-worker mean.
 */
final class AveragingStep implements StepRule {
    private final RankContext rank;
    private final int every;
    private final FloatVector state;
    private double lossSum;
    private long examples;
    private int windowStart;

    AveragingStep(RankContext rank, int every) {
        this.rank = rank;
        this.every = every;
        INDArray updater = rank.network.updaterState();
        this.state = updater.isEmpty()
                ? new FloatVector(NioViews.of(rank.network.params()), rank.scalars.duplicate())
                : new FloatVector(NioViews.of(rank.network.params()), NioViews.of(updater), rank.scalars.duplicate());
    }

    @Override
    public boolean run(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log) {
        long start = System.nanoTime();
        double loss = rank.computeGradient(iteration, rows);                                 // compute
        if (rows.length > 0) {
            rank.network.step(iteration, rank.epoch, rows.length);               // update (local)
        }
        lossSum += loss;
        examples += rows.length;
        log.loss(k, rows.length == 0 ? Float.NaN : (float) (loss / rows.length));
        long updated = System.nanoTime();
        log.compute(updated - start);
        if (!lastOfStage && (iteration + 1) % every != 0) {
            return true;
        }
        boolean finite = average();                                               // average
        if ((iteration + 1) % every == 0) {
            rank.agreeOnStop();
        }
        log.sync(System.nanoTime() - updated);
        log.losses(windowStart, k + 1, rank.lossSum() / rank.count());
        windowStart = k + 1;
        return finite;
    }

    /** Replaces parameters and updater state by their example-weighted mean over all ranks. */
    private boolean average() {
        float weight = examples;
        INDArray params = rank.network.params();
        INDArray updater = rank.network.updaterState();
        params.muli(weight);
        if (!updater.isEmpty()) {
            updater.muli(weight);
        }
        rank.lossSum((float) lossSum);
        rank.count(weight);
        rank.collective.allReduce(state);
        float total = rank.count();
        params.divi(total);
        if (!updater.isEmpty()) {
            updater.divi(total);
        }
        lossSum = 0;
        examples = 0;
        float meanLoss = rank.lossSum() / total;
        return Float.isFinite(meanLoss) && Double.isFinite(params.sumNumber().doubleValue());
    }
}
