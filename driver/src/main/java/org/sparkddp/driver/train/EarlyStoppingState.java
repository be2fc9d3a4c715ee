package org.sparkddp.driver.train;

import org.sparkddp.common.wire.StateVersion;

/**
 * What early stopping must remember across a checkpoint, so that a resumed run stops when, and keeps the model
 * that, the uninterrupted run would have.
 *
 * @param bestEpoch 0-based epoch of the lowest validation loss so far
 * @param bestLoss  that loss
 * @param sinceBest validation evaluations since then that did not improve on it
 * @param bestState the state evaluated then: its name (its chunks live on the executors, or in a checkpoint's
 *                  files when read back from one)
 */
public record EarlyStoppingState(int bestEpoch, double bestLoss, int sinceBest, StateVersion bestState) {
}
