package org.sparkddp.worker.stage;

import org.sparkddp.common.model.SlicedOptimizer;
import org.sparkddp.common.nd.NioViews;
import org.sparkddp.worker.collective.FloatVector;

/**
 * Synchronous SGD with the optimizer sharded across ranks (the BigDL design). Named steps: compute,
 * reduce-scatter, update (this rank's slice only), all-gather, check.
 *
 * <p>The collective's reduce-scatter leaves each rank with the full sum of one slice of the gradient; the rank applies
 * DL4J's updater to that slice with that slice's optimizer state, and the all-gather sends the updated parameters
 * of every slice to every rank. The bytes on the wire are those of an all-reduce, but each rank runs the optimizer
 * on {@code 1/W} of the parameters. The result is bit for bit the replicated {@link SyncStep}'s. (Each replica
 * still holds the whole optimizer state in DL4J's layout, for the stage boundaries, besides its slice's copy.)
 *
 * <p>With overlap ({@link Overlap}), the reduce-scatter runs per bucket on a communication thread during the backward
 * pass, and right after each bucket the rank updates its owned part of it there (where the optimizer steps ranges:
 * the engine's; else the whole slice once every bucket is in), so that the update too overlaps back-propagation.
 * Each float gets the same sum and the same update as without buckets, bit for bit.
 *
 * <p>The full optimizer state exists in DL4J's layout only at stage boundaries: each rank loads its slice from the
 * state its replica was loaded with when the stage starts, and {@link #finish} gathers the slices back when it ends.
 */
final class ShardedSyncStep implements StepRule {
    private final RankContext rank;
    private final SlicedOptimizer optimizer;
    /** The gradient, then the loss sum and the stop flag: the reduce-scatter sums them all. */
    private final FloatVector gradientAndScalars;
    /**
     * The parameters, then the same two scalars: the all-gather brings every rank the owner's sums of the loss and
     * the stop flag along with the parameters, since the scalars' chunk is owned (fully summed) by one rank only.
     */
    private final FloatVector paramsAndScalars;
    /** The first parameter of this rank's slice: set to NaN to tell every rank that the slice went non-finite. */
    private final long flagAt;
    /** The first parameter of every rank's slice, where the flags arrive after the all-gather. */
    private final long[] flags;
    /** The gradient's length: the floats of {@link #gradientAndScalars} that may cross the wire as bf16. */
    private final long params;
    /** This rank's owned parameters {@code [from, to)}. */
    private final int[] owned;
    /** The communication thread, or null without overlap. */
    private final OverlappedReduce overlapped;
    private final String overlapNote;
    /** Whether the update runs per bucket on the communication thread; else the whole slice after the buckets. */
    private final boolean perBucket;
    /** The current iteration's step arguments, for the communication thread (handed over by {@code begin}). */
    private int stepIteration;
    private int stepBatch;

    /**
     * @param optimizer the optimizer for the parameters of this rank's owned slice
     * @param overlap   whether to reduce (and update) per bucket during back-propagation
     */
    ShardedSyncStep(RankContext rank, SlicedOptimizer optimizer, Overlap overlap) {
        this.rank = rank;
        this.optimizer = optimizer;
        this.gradientAndScalars = new FloatVector(NioViews.of(rank.network.gradients()), rank.exchangedScalars());
        this.paramsAndScalars = new FloatVector(NioViews.of(rank.network.params()), rank.exchangedScalars());
        long n = gradientAndScalars.length();
        this.params = n - RankContext.EXCHANGED;
        this.owned = ownedParams(rank);
        this.flagAt = owned[0] < owned[1] ? owned[0] : -1;
        this.flags = java.util.stream.IntStream.range(0, rank.collective.size())
                .mapToLong(r -> rank.collective.ownedFrom(r, n)).filter(i -> i < params).distinct().toArray();
        optimizer.loadState(rank.network.updaterState());
        this.perBucket = optimizer.stepsRanges();
        String unavailable = overlap.unavailable(rank, false);
        try {
            this.overlapped = unavailable == null ? overlap.start(rank, gradientAndScalars, this::updateBucket) : null;
        } catch (RuntimeException e) { // the stage's try-with-resources never gets this rule to close it
            optimizer.close();
            throw e;
        }
        this.overlapNote = overlap.describe(overlapped, unavailable);
    }

    /** On the communication thread: updates this rank's owned part of a bucket just reduced. */
    private void updateBucket(int index, long from, long to) {
        int a = (int) Math.max(from, owned[0]);
        int b = (int) Math.min(to, owned[1]);
        if (perBucket && a < b) {
            optimizer.step(stepIteration, rank.epoch, stepBatch, a, b);
        }
    }

    /**
     * Parameters {@code [from, to)} this rank updates: its owned chunk of the {@code P + 2} floats exchanged, minus
     * the scalars.
     */
    static int[] ownedParams(RankContext rank) {
        long params = rank.network.params().length();
        long n = params + RankContext.EXCHANGED;
        // NOTE: int, as SlicedOptimizer takes; a slice of more than 2^31 parameters would fail here, by name.
        return new int[] {Math.toIntExact(rank.collective.ownedFrom(n)),
                Math.toIntExact(Math.min(rank.collective.ownedTo(n), params))};
    }

    @Override
    public boolean run(int k, long iteration, int[] rows, int globalCount, boolean lastOfStage, StageLog log) {
        long start = System.nanoTime();
        long computed;
        if (overlapped == null) {
            rank.lossSum((float) rank.computeGradient(iteration, rows));                    // compute
            computed = System.nanoTime();
            rank.collective.reduceScatterGradient(gradientAndScalars, params);          // reduce-scatter
        } else {
            stepIteration = Math.toIntExact(iteration);
            stepBatch = globalCount;
            overlapped.begin();
            // compute; reduce-scatter and update per bucket on the communication thread meanwhile
            rank.lossSum((float) rank.computeGradient(iteration, rows, overlapped::ready));
            computed = System.nanoTime();
            overlapped.finish();
            overlapped.await();
        }
        long reduced = System.nanoTime();
        if (overlapped == null || !perBucket) {
            optimizer.step(Math.toIntExact(iteration), rank.epoch, globalCount);   // update (this slice)
        }
        if (flagAt >= 0 && !optimizer.finite()) {
            rank.network.params().putScalar(0, flagAt, Float.NaN);
        }
        long updated = System.nanoTime();
        rank.collective.allGather(paramsAndScalars);                                    // all-gather
        long gathered = System.nanoTime();
        rank.agreeOnStop();
        float loss = rank.lossSum() / globalCount;
        // check: each owner flagged its slice if it went non-finite, and the all-gather has just brought every
        // flag to every rank, so every rank stops at the same iteration.
        if (!Float.isFinite(loss) || flagged()) {
            return false;
        }
        log.loss(k, loss);
        log.compute((computed - start) + (updated - reduced));
        log.sync((reduced - computed) + (gathered - updated));
        return true;
    }

    private boolean flagged() {
        for (long at : flags) {
            if (!Float.isFinite(rank.network.params().getFloat(0, at))) {
                return true;
            }
        }
        return false;
    }

    /** Gathers every rank's optimizer-state slice into each replica's DL4J state: zeros plus exactly one owner each. */
    @Override
    public void finish(StageLog log) {
        long start = System.nanoTime();
        var state = rank.network.updaterState();
        if (!state.isEmpty()) {
            state.assign(0);
            optimizer.storeState(state);
            rank.collective.allReduce(new FloatVector(NioViews.of(state)));
        }
        log.sync(System.nanoTime() - start);
    }

    @Override
    public String overlap() {
        return overlapNote;
    }

    /**
     * Stops the communication thread first: it may still be updating the slice when a stage fails. If it does not
     * stop (a collective call that ignores the interrupt, until its own timeout), the slice's native state is left
     * unfreed, with one WARN line: freeing it under the thread's optimizer step could crash the executor, whereas
     * the leak is one slice, once. (Throwing instead would keep nothing safer: the replica goes back to the pool,
     * untagged, however the stage ends.)
     */
    @Override
    public void close() {
        if (overlapped != null && !overlapped.stop("; its optimizer slice is left unfreed, as it may still step it")) {
            return;
        }
        optimizer.close();
    }
}
