package org.sparkddp.worker.stage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.nd.FiniteSum;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.plan.Seeds;
import org.sparkddp.worker.collective.Collective;

/**
 * What a step rule works with on one rank: its shard, its replica, its collective (ring, hierarchical or in-memory:
 * the rules never know which), and a few scalars that ride along with every all-reduce. Runs on an executor.
 */
final class RankContext {
    final int epoch;
    /** This rank's index, which with the run's seed and the iteration picks its dropout masks. */
    final int rank;
    private final long seed;
    final LabeledExamples shard;
    final TrainableNetwork network;
    final Collective collective;
    /**
     * Extra floats appended to every all-reduced vector: a loss sum, the stop flag, then an example count. The
     * sync rules exchange the first {@link #EXCHANGED} of them, the averaging rule all three.
     */
    final ByteBuffer scalars = ByteBuffer.allocateDirect(3 * Float.BYTES).order(ByteOrder.nativeOrder());
    private static final int LOSS_AT = 0;
    private static final int STOP_AT = Float.BYTES;
    private static final int COUNT_AT = 2 * Float.BYTES;
    /** How many leading scalars the sync rules append to the gradient: the loss sum and the stop flag. */
    static final int EXCHANGED = 2;
    /** Whether the last exchange brought a stop from rank 0: set by the rules, read by the stage loop. */
    private boolean stopAgreed;

    /** Views of the gradient's running-statistics entries, made once: the step rules touch them every iteration. */
    private final List<INDArray> runningStatistics;

    /** Where this rank's minibatches are assembled, without allocating. */
    private final MinibatchBuffer batches;
    /** data.augment, applied to each assembled minibatch. */
    private final ImageAugmenter augmenter;

    RankContext(int epoch, int rank, long seed, int localBatchSize, LabeledExamples shard, TrainableNetwork network,
                Collective collective) {
        this(epoch, rank, seed, localBatchSize, shard, network, collective, ImageAugmenter.NONE);
    }

    RankContext(int epoch, int rank, long seed, int localBatchSize, LabeledExamples shard, TrainableNetwork network,
                Collective collective, ImageAugmenter augmenter) {
        this.augmenter = augmenter;
        this.epoch = epoch;
        this.rank = rank;
        this.seed = seed;
        this.shard = shard;
        this.network = network;
        this.collective = collective;
        this.batches = new MinibatchBuffer(localBatchSize, shard.numFeatures(), shard.targetWidth());
        this.runningStatistics = network.runningStatistics().stream()
                .map(r -> network.gradients().get(NDArrayIndex.point(0), NDArrayIndex.interval(r[0], r[1])))
                .toList();
    }

    /** The loss sum and the stop flag, for rules that need no count. */
    ByteBuffer exchangedScalars() {
        return scalars.duplicate().limit(EXCHANGED * Float.BYTES).slice();
    }

    /**
     * Sets this rank's stop flag for the next exchange, before each iteration: rank 0 proposes 1 when the stage's
     * time budget has passed, every other rank 0, so that the exchanged sum says whether rank 0 asked.
     */
    void proposeStop(boolean stop) {
        scalars.putFloat(STOP_AT, stop ? 1 : 0);
        stopAgreed = false;
    }

    /**
     * Called by a rule right after an exchange that summed the stop flag (every rank then holds the same sum):
     * records whether rank 0 asked to stop, so that every rank ends the stage after this same iteration.
     */
    void agreeOnStop() {
        stopAgreed = scalars.getFloat(STOP_AT) > 0;
    }

    /** Whether this iteration's exchange carried rank 0's stop; false after an iteration with no exchange. */
    boolean stopAgreed() {
        return stopAgreed;
    }

    float lossSum() {
        return scalars.getFloat(LOSS_AT);
    }

    void lossSum(float value) {
        scalars.putFloat(LOSS_AT, value);
    }

    float count() {
        return scalars.getFloat(COUNT_AT);
    }

    void count(float value) {
        scalars.putFloat(COUNT_AT, value);
    }

    /**
     * This rank's gradient for {@code rows} in global iteration {@code iteration}, summed over them; returns the
     * summed loss (0 for no rows).
     *
     * <p>NOTE: dropout draws its masks from ND4J's per-thread generator, which is seeded here from (seed, iteration,
     * rank): masks differ between workers and iterations, and a retried stage or a resumed run draws the same ones.
     * data.augment's transformations are drawn the same way, from a stream of their own.
     */
    double computeGradient(long iteration, int[] rows) {
        return computeGradient(iteration, rows, k -> { });
    }

    /**
     * As {@link #computeGradient(long, int[])}, announcing each range of the network's gradient as the backward pass
     * finishes it ({@code TrainableNetwork.gradientReadyOrder}); with no rows, none (the caller releases them all).
     */
    double computeGradient(long iteration, int[] rows, java.util.function.IntConsumer ready) {
        if (rows.length == 0) {
            network.clearGradient();
            return 0;
        }
        Nd4j.getRandom().setSeed(Seeds.derive(seed, Seeds.DROPOUT, iteration, rank));
        org.nd4j.linalg.dataset.DataSet batch = batches.assemble(shard, rows);
        augmenter.apply(batch.getFeatures(), Seeds.derive(seed, Seeds.AUGMENT, iteration, rank));
        return network.computeGradient(batch, ready) * rows.length;
    }

    /**
     * Asks the shard to read {@code rows} ahead (the next iteration's): a shard spilled to the executor's disk reads
     * them in the background while this iteration computes; one in memory ignores it.
     */
    void prefetch(int[] rows) {
        shard.features().prefetch(rows);
    }

    /**
     * Multiplies the running-statistics part of the gradient (batch norm's mean and variance updates) by this rank's
     * example count, before the sum over ranks. {@link #averageRunningStatistics} divides the sum by the global count:
     * every rank then applies the example-weighted mean of the ranks' updates, i.e. moves towards the global batch's
     * mean (and the mean of the ranks' variances), instead of applying W updates at once.
     */
    void weightRunningStatistics(int examples) {
        for (INDArray statistics : runningStatistics) {
            statistics.muli(examples);
        }
    }

    void averageRunningStatistics(int globalCount) {
        for (INDArray statistics : runningStatistics) {
            statistics.divi(globalCount);
        }
    }

    /** Whether the loss and the gradient's sum are finite: the check of every iteration ({@link FiniteSum}). */
    static boolean finite(float loss, TrainableNetwork network) {
        return Float.isFinite(loss) && FiniteSum.of(network.gradients());
    }
}
