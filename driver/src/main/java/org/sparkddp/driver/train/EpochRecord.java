package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.eval.HeldOutMetrics;

/**
 * One epoch's figures, as printed and logged.
 *
 * @param epoch               0-based epoch
 * @param iterations          optimizer steps in this epoch
 * @param examples            training examples used in this epoch
 * @param trainLoss           example-weighted mean training loss over the epoch's iterations
 * @param test                the test-set metrics after the epoch (final: nothing is added to them any more)
 * @param validation          the validation-set metrics after the epoch, when it was evaluated
 * @param trainNanos          wall time of the epoch's training stages (evaluation excluded)
 * @param computeNanos        per-rank mean compute time in the epoch
 * @param allReduceNanos      per-rank mean time in all-reduces in the epoch, waiting for peers included
 */
public record EpochRecord(int epoch, int iterations, long examples, double trainLoss, HeldOutMetrics test,
                          Optional<HeldOutMetrics> validation, long trainNanos, long computeNanos,
                          long allReduceNanos) {
    /** The test loss: mean cross-entropy for class labels, mean squared error for real targets. */
    public double testLoss() {
        return test.meanLoss();
    }

    /** Test accuracy; NaN for regression targets. */
    public double testAccuracy() {
        return test.accuracy();
    }

    public double samplesPerSecond() {
        return examples / (trainNanos / 1e9);
    }

    public double computeMsPerIteration() {
        return computeNanos / 1e6 / iterations;
    }

    public double allReduceMsPerIteration() {
        return allReduceNanos / 1e6 / iterations;
    }

    /** Everything per iteration that is not computation: the price of distribution. */
    public double syncMsPerIteration() {
        return (trainNanos - computeNanos) / 1e6 / iterations;
    }
}
