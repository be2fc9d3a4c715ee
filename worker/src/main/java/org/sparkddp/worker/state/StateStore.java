package org.sparkddp.worker.state;

import org.sparkddp.common.model.TrainableNetwork;

/**
 * Where a rank puts its share of the state it reached at a stage's end: in a training stage, this executor's block
 * manager ({@link StateBlocks}). An interface so that the stage loop, which training runs with the block manager's
 * store, is written without Spark's block manager in it. Runs on executors.
 */
@FunctionalInterface
public interface StateStore {
    /** Stores this rank's chunks of the network's state and returns their CRC-32Cs, in chunk order. */
    long[] store(TrainableNetwork network);
}
