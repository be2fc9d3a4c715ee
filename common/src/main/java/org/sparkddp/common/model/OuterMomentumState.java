package org.sparkddp.common.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Gives a network's optimizer state room for average mode's outer momentum: one contiguous vector of DL4J's updater
 * state ({@code U} values) followed by the momentum buffer ({@code P} values, one per parameter, zero at the start).
 * Runs wherever networks are built (driver and executors), once per network.
 *
 * <p>Why one vector: the state's chunks, the checkpoints, the replicas' loading and the driver's counts all see a
 * network's state as {@code params ++ updaterState}. With the buffer inside {@link TrainableNetwork#updaterState()},
 * it is stored, checksummed, replicated, checkpointed and resumed exactly as Adam's moments are, and nothing else
 * changes.
 *
 * <p>NOTE: DL4J's updater adopts a state array it is given at construction as its own view (and then does not
 * initialize it), so the updater is rebuilt over the first {@code U} values of the new vector after they have been
 * set to the state DL4J initialized (RMSProp's, for one, does not start at zero). With no DL4J state (plain SGD) the
 * updater stays as it is.
 */
final class OuterMomentumState {
    private OuterMomentumState() {
    }

    /** The new optimizer state vector, {@code [1, U + P]}; the network's updater now works in its first U values. */
    static INDArray attach(MultiLayerNetwork network) {
        BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) network.getUpdater(true);
        INDArray all = allocate(updater.getStateViewArray(), network.params().length());
        INDArray head = head(all, updater.getStateViewArray());
        if (head != null) {
            network.setUpdater(new MultiLayerUpdater(network, head));
        }
        return all;
    }

    /** As {@link #attach(MultiLayerNetwork)}, for a graph. */
    static INDArray attach(ComputationGraph graph) {
        ComputationGraphUpdater updater = graph.getUpdater(true);
        INDArray all = allocate(updater.getStateViewArray(), graph.params().length());
        INDArray head = head(all, updater.getStateViewArray());
        if (head != null) {
            graph.setUpdater(new ComputationGraphUpdater(graph, head));
        }
        return all;
    }

    private static INDArray allocate(INDArray dl4jState, long params) {
        long u = dl4jState == null ? 0 : dl4jState.length();
        return Nd4j.zeros(DataType.FLOAT, 1, u + params);
    }

    /** The first U values of {@code all}, holding DL4J's initialized state; null when DL4J keeps none. */
    private static INDArray head(INDArray all, INDArray dl4jState) {
        if (dl4jState == null || dl4jState.isEmpty()) {
            return null;
        }
        INDArray head = all.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, dl4jState.length()));
        head.assign(dl4jState.reshape(1, dl4jState.length()));
        return head;
    }
}
