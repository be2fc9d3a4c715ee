package org.sparkddp.driver.train;

/**
 * One epoch's figures, as printed and logged.
 *
 * @param epoch               0-based epoch
 * @param iterations          optimizer steps in this epoch
 * @param examples            training examples used in this epoch
 * @param trainLoss           example-weighted mean training loss over the epoch's iterations
 * @param testLoss            mean cross-entropy on the test set after the epoch
 * @param testAccuracy        accuracy on the test set after the epoch
 * @param trainNanos          wall time of the epoch's training stages (evaluation excluded)
 * @param computeNanos        per-rank mean compute time in the epoch
 * @param allReduceNanos      per-rank mean time in all-reduces in the epoch, waiting for peers included
 */
public record EpochRecord(int epoch, int iterations, long examples, double trainLoss, double testLoss,
                          double testAccuracy, long trainNanos, long computeNanos, long allReduceNanos) {
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
