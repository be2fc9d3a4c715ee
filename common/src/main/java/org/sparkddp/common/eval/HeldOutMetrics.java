package org.sparkddp.common.eval;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.data.Targets;

/**
 * Metrics of a network on held-out examples, accumulated in the style of Spark MLlib's aggregators: start from
 * a real zero ({@link MetricsSpec#zero()}), {@link #add} batches on the executors, {@link #merge} partials in the
 * tree reduction, read the figures on the driver. Lifecycle: zero, then add and merge in any order, then read;
 * {@code add} and {@code merge} mutate and return {@code this}.
 *
 * <p>Two kinds: {@link ClassificationAggregator} (class labels: cross-entropy, accuracy, confusion matrix) and
 * {@link RegressionAggregator} (real targets: mean squared error, and accuracy when the target is binary).
 */
public interface HeldOutMetrics {
    /**
     * Adds a batch.
     *
     * @param outputs  the network's outputs {@code [n, width]}
     * @param targets  the block the batch came from
     * @param firstRow the batch is rows {@code firstRow .. firstRow + n - 1} of {@code targets}
     */
    HeldOutMetrics add(INDArray outputs, Targets targets, int firstRow);

    /** Adds another partial of the same kind and dimensions; fails on a mismatch. */
    HeldOutMetrics merge(HeldOutMetrics other);

    /** Examples added so far. */
    long examples();

    /** The loss figure: the same loss training minimizes for class labels (cross-entropy), the MSE for real targets. */
    double meanLoss();

    /** What {@link #meanLoss()} is, one word for output keys: {@code loss} (reported as test_loss) or {@code mse}. */
    String lossName();

    /** True if {@link #accuracy()} means something: class labels, or a binary 0/1 target. */
    boolean hasAccuracy();

    /** Fraction of examples predicted right; NaN when {@link #hasAccuracy()} is false or nothing was added. */
    double accuracy();

    /** Further figures for summary.json, by key (a confusion matrix, a per-target error); may be empty. */
    Map<String, Object> details();
}
