package org.sparkddp.worker.stage;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.worker.collective.RingAllReduce;

/**
 * What a step rule works with on one rank: its shard, its replica, its ring, and a few scalars that ride along
 * with every all-reduce. Runs on an executor.
 */
final class RankContext {
    final int epoch;
    final LabeledExamples shard;
    final TrainableNetwork network;
    final RingAllReduce ring;
    /** Extra floats appended to every all-reduced vector: a loss sum, then an example count. */
    final ByteBuffer scalars = ByteBuffer.allocateDirect(2 * Float.BYTES).order(ByteOrder.nativeOrder());
    private static final int LOSS_AT = 0;
    private static final int COUNT_AT = Float.BYTES;

    /** Where this rank's minibatches are assembled, without allocating. */
    private final MinibatchBuffer batches;

    RankContext(int epoch, int localBatchSize, LabeledExamples shard, TrainableNetwork network, RingAllReduce ring) {
        this.epoch = epoch;
        this.shard = shard;
        this.network = network;
        this.ring = ring;
        this.batches = new MinibatchBuffer(localBatchSize, shard.numFeatures(), shard.targetWidth());
    }

    /** Just the loss-sum scalar, for rules that need no count. */
    ByteBuffer lossScalar() {
        return scalars.duplicate().limit(COUNT_AT).slice();
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

    /** This rank's gradient for {@code rows}, summed over them; returns the summed loss (0 for no rows). */
    double computeGradient(int[] rows) {
        if (rows.length == 0) {
            network.clearGradient();
            return 0;
        }
        return network.computeGradient(batches.assemble(shard, rows)) * rows.length;
    }

    static boolean finite(float loss, TrainableNetwork network) {
        return Float.isFinite(loss) && Double.isFinite(network.gradients().sumNumber().doubleValue());
    }
}
