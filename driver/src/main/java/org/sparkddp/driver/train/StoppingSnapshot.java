package org.sparkddp.driver.train;

import org.sparkddp.common.wire.StateVersion;

/**
 * What a checkpoint keeps of early stopping, with the best state named, not carried: its chunks live on the
 * executors ({@link EarlyStoppingState} is the same once read back from a checkpoint by the driver).
 *
 * @param bestEpoch 0-based epoch of the lowest validation loss so far
 * @param bestLoss  that loss
 * @param sinceBest validation evaluations since then that did not improve on it
 * @param best      the state evaluated then
 */
public record StoppingSnapshot(int bestEpoch, double bestLoss, int sinceBest, StateVersion best) {
}
