package org.sparkddp.worker.stage;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.common.nd.FiniteSum;
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
 *
 * <p>Local SGD's options ({@link LocalSgdConfig}): global iterations before the warm-up's end run as {@link SyncStep}
 * does, which keeps the replicas identical after each of them (so a stage may end at any of them); and where an outer
 * step is set, each average is followed by {@link OuterNesterov}'s step. Its momentum buffer, the optimizer state's
 * last P values, is never averaged: every rank computes the same one.
 */
final class AveragingStep implements StepRule {
    private final RankContext rank;
    private final int every;
    /** The optimizer state the ranks average (DL4J's updater state, without the outer momentum); null if none. */
    private final INDArray updater;
    private final FloatVector state;
    /** Iterations {@code [0, warmup)} are synchronous SGD. */
    private final long warmup;
    /** The warm-up's rule; null once the stage starts past the warm-up. */
    private final SyncStep warmupStep;
    /** The step applied after each average; null for plain averaging. */
    private final OuterNesterov outer;
    private double lossSum;
    private long examples;
    private int windowStart;

    AveragingStep(RankContext rank, int every) {
        this(rank, every, LocalSgdConfig.PLAIN, 0);
    }

    /** @param firstIteration the stage's first global iteration, a consensus every rank starts from */
    AveragingStep(RankContext rank, int every, LocalSgdConfig localSgd, long firstIteration) {
        this.rank = rank;
        this.every = every;
        this.warmup = localSgd.warmupIterations();
        this.warmupStep = firstIteration < warmup ? new SyncStep(rank) : null;
        INDArray params = rank.network.params();
        INDArray optimizerState = rank.network.updaterState();
        long total = optimizerState.isEmpty() ? 0 : optimizerState.length();
        long averaged = total - (localSgd.hasOuterMomentum() ? params.length() : 0);
        this.updater = averaged <= 0 ? null : averaged == total ? optimizerState : slice(optimizerState, 0, averaged);
        this.state = updater == null
                ? new FloatVector(NioViews.of(params), rank.scalars.duplicate())
                : new FloatVector(NioViews.of(params), NioViews.of(updater), rank.scalars.duplicate());
        this.outer = localSgd.hasOuterStep() ? new OuterNesterov(localSgd, params,
                localSgd.hasOuterMomentum() ? slice(optimizerState, averaged, total) : null) : null;
    }

    /** Values {@code [from, to)} of a flat {@code [1, n]} state vector, as a view. */
    private static INDArray slice(INDArray state, long from, long to) {
        return state.reshape(state.length()).get(NDArrayIndex.interval(from, to));
    }

    @Override
    public boolean run(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log) {
        if (iteration < warmup) {
            return warmUp(k, iteration, rows, globalCount, lastOfStage, log);
        }
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

    /**
     * One synchronous iteration of the warm-up: every replica ends it with the same state, the anchor of the first
     * window when it is the warm-up's last.
     */
    private boolean warmUp(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log) {
        boolean finite = warmupStep.run(k, iteration, rows, globalCount, lastOfStage, log);
        windowStart = k + 1;
        if (finite && outer != null && iteration + 1 == warmup) {
            outer.anchor(rank.network.params());
        }
        return finite;
    }

    /**
     * Replaces parameters and updater state by their example-weighted mean over all ranks, then applies the outer
     * step to the parameters, if any.
     */
    private boolean average() {
        float weight = examples;
        INDArray params = rank.network.params();
        params.muli(weight);
        if (updater != null) {
            updater.muli(weight);
        }
        rank.lossSum((float) lossSum);
        rank.count(weight);
        rank.collective.allReduce(state);
        float total = rank.count();
        params.divi(total);
        if (updater != null) {
            updater.divi(total);
        }
        if (outer != null) {
            outer.step(params);
        }
        lossSum = 0;
        examples = 0;
        float meanLoss = rank.lossSum() / total;
        return Float.isFinite(meanLoss) && FiniteSum.of(params);
    }

    @Override
    public void close() {
        if (outer != null) {
            outer.close();
        }
    }
}
