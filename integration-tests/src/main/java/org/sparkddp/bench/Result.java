package org.sparkddp.bench;

/**
 * One contender's figures. {@code NaN} means not applicable or not reached.
 *
 * @param name             what ran
 * @param samplesPerSecond training examples per second of training time (evaluation excluded)
 * @param lastEpochSamplesPerSecond the same over the last epoch alone: warm JVM, steady state
 * @param secondsTo85      training seconds until the first epoch-end test accuracy of at least 0.85
 * @param testAccuracy     final test accuracy
 * @param syncMs           spark-ddp only: time per iteration that is not computation
 * @param computeMs        spark-ddp only: gradient and optimizer time per iteration, per worker
 * @param peakHeapMb       peak heap of the driver JVM (in local mode it hosts the executors too)
 */
record Result(String name, double samplesPerSecond, double lastEpochSamplesPerSecond, double secondsTo85, double testAccuracy, double syncMs,
              double computeMs, double peakHeapMb) {
}
