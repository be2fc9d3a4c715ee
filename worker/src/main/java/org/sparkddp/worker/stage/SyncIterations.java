package org.sparkddp.worker.stage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.worker.collective.FloatVector;
import org.sparkddp.worker.collective.NioViews;
import org.sparkddp.worker.collective.RingAllReduce;

/**
 * The synchronous-SGD loop of one task within one stage. Runs on an executor. Each iteration is four named
 * steps: {@link #computeGradient}, {@link #allReduce}, {@link #checkFinite}, {@link #applyUpdate}.
 *
 * <p>Every rank sums the same gradients into bitwise-identical buffers and applies the same DL4J updater with
 * the global example count, so every replica takes exactly the step single-machine DL4J would take on the
 * global batch, and the replicas never drift apart.
 */
final class SyncIterations {
    private final StageSpec spec;
    private final int rank;
    private final LabeledExamples shard;
    private final TrainableNetwork network;
    private final RingAllReduce ring;
    private final ProgressAccumulator progress;
    /** One extra float after the gradient: this rank's loss summed over its examples. */
    private final ByteBuffer lossSum = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
    private final FloatVector gradientAndLoss;

    SyncIterations(StageSpec spec, int rank, LabeledExamples shard, TrainableNetwork network, RingAllReduce ring,
                   ProgressAccumulator progress) {
        this.spec = spec;
        this.progress = progress;
        this.rank = rank;
        this.shard = shard;
        this.network = network;
        this.ring = ring;
        this.gradientAndLoss = new FloatVector(NioViews.of(network.gradients()), lossSum);
    }

    StageReport run() {
        long taskStart = System.nanoTime();
        EpochPlan plan = spec.plan();
        int[] order = plan.shardOrder(rank);
        int count = spec.toIteration() - spec.fromIteration();
        float[] losses = new float[count];
        long[] endNanos = new long[count];
        long computeNanos = 0;
        long syncNanos = 0;
        long divergedAt = -1;
        int done = 0;
        for (; done < count; done++) {
            int t = spec.fromIteration() + done;
            long iteration = spec.firstGlobalIteration() + done;
            int examples = plan.globalCount(t);

            long start = System.nanoTime();
            computeGradient(plan.rows(order, rank, t));
            long computed = System.nanoTime();
            allReduce();
            long reduced = System.nanoTime();
            float loss = lossSum.getFloat(0) / examples;
            if (!checkFinite(loss)) {
                divergedAt = iteration;
                break;
            }
            applyUpdate(iteration, examples);
            long updated = System.nanoTime();

            losses[done] = loss;
            endNanos[done] = updated - taskStart;
            computeNanos += (computed - start) + (updated - reduced);
            syncNanos += reduced - computed;
            if (rank == 0) {
                progress.add(new ProgressAccumulator.Tick(spec.epoch(), t + 1, iteration + 1, loss));
            }
        }
        boolean lead = rank == 0;
        ModelState state = lead && divergedAt < 0
                ? ModelState.capture(network, spec.firstGlobalIteration() + count, spec.epoch()) : null;
        return new StageReport(rank, spec.firstGlobalIteration(),
                lead ? java.util.Arrays.copyOf(losses, done) : new float[0],
                lead ? java.util.Arrays.copyOf(endNanos, done) : new long[0],
                computeNanos, syncNanos, state, divergedAt);
    }

    /** Step 1: this rank's share of the global batch, gradient summed over its examples. */
    private void computeGradient(int[] rows) {
        if (rows.length == 0) {
            network.clearGradient();
            lossSum.putFloat(0, 0f);
            return;
        }
        double meanLoss = network.computeGradient(Minibatches.assemble(shard, rows));
        lossSum.putFloat(0, (float) (meanLoss * rows.length));
    }

    /** Step 2: sum gradients and losses over all ranks, in place. */
    private void allReduce() {
        ring.sum(gradientAndLoss);
    }

    /** Step 3: a NaN or infinite loss or gradient stops training here, on every rank at once (they hold the same sum). */
    private boolean checkFinite(float loss) {
        return Float.isFinite(loss) && Double.isFinite(network.gradients().sumNumber().doubleValue());
    }

    /** Step 4: one optimizer step with the global example count, exactly as single-machine DL4J. */
    private void applyUpdate(long iteration, int examples) {
        network.step(iteration, spec.epoch(), examples);
    }
}
