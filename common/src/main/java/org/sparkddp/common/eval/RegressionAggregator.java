package org.sparkddp.common.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.data.RealTargets;
import org.sparkddp.common.data.Targets;

/**
 * Held-out metrics for real-valued targets: the mean squared error over every output of every example, per
 * target too; and, for a binary target (one 0/1 column, a sigmoid output), the accuracy of thresholding at 0.5.
 * An aggregator: {@link #add} on executors, {@link #merge} in the tree reduction, figures on the driver.
 */
public final class RegressionAggregator implements HeldOutMetrics {
    /** An output at or above this predicts class 1 of a binary target. */
    private static final double THRESHOLD = 0.5;

    private final int width;
    private final boolean binary;
    private long examples;
    private final double[] squaredErrors;
    private long correct;
    /** Per target column: sums of absolute errors, of targets and of squared targets, for MAE and R². */
    private final double[] absoluteErrors;
    private final double[] targetSums;
    private final double[] targetSquares;

    /**
     * @param width  target columns
     * @param binary true for one 0/1 target column: also count threshold-0.5 accuracy
     */
    public RegressionAggregator(int width, boolean binary) {
        this(width, binary, 0, new double[width], 0, new double[width], new double[width], new double[width]);
    }

    /** For deserialization: the state exactly as the getters give it. */
    public RegressionAggregator(int width, boolean binary, long examples, double[] squaredErrors, long correct,
                                double[] absoluteErrors, double[] targetSums, double[] targetSquares) {
        if (width <= 0 || squaredErrors.length != width || (binary && width != 1) || absoluteErrors.length != width
                || targetSums.length != width || targetSquares.length != width) {
            throw new IllegalArgumentException("width " + width + " (binary " + binary + ") with "
                    + squaredErrors.length + " error sums");
        }
        this.width = width;
        this.binary = binary;
        this.examples = examples;
        this.squaredErrors = squaredErrors;
        this.correct = correct;
        this.absoluteErrors = absoluteErrors;
        this.targetSums = targetSums;
        this.targetSquares = targetSquares;
    }

    @Override
    public RegressionAggregator add(INDArray outputs, Targets targets, int firstRow) {
        if (!(targets instanceof RealTargets real) || real.width() != width || outputs.columns() != width
                || firstRow + outputs.rows() > real.size()) {
            throw new IllegalArgumentException("Dimensions mismatch: outputs " + Arrays.toString(outputs.shape())
                    + " from row " + firstRow + " of " + targets.size() + " targets of width " + targets.width()
                    + ", expected real targets of width " + width);
        }
        float[] predicted = outputs.dup('c').reshape(outputs.length()).toFloatVector();
        int n = (int) outputs.rows();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                float truth = real.get(firstRow + i, j);
                double error = (double) predicted[i * width + j] - truth;
                squaredErrors[j] += error * error;
                absoluteErrors[j] += Math.abs(error);
                targetSums[j] += truth;
                targetSquares[j] += (double) truth * truth;
                if (binary && (predicted[i * width + j] >= THRESHOLD) == (truth == 1f)) {
                    correct++;
                }
            }
        }
        examples += n;
        return this;
    }

    @Override
    public RegressionAggregator merge(HeldOutMetrics other) {
        if (!(other instanceof RegressionAggregator o) || o.width != width || o.binary != binary) {
            throw new IllegalArgumentException("Dimensions mismatch: cannot merge " + other + " into " + this);
        }
        examples += o.examples;
        correct += o.correct;
        for (int j = 0; j < width; j++) {
            squaredErrors[j] += o.squaredErrors[j];
            absoluteErrors[j] += o.absoluteErrors[j];
            targetSums[j] += o.targetSums[j];
            targetSquares[j] += o.targetSquares[j];
        }
        return this;
    }

    public int width() {
        return width;
    }

    public boolean binary() {
        return binary;
    }

    @Override
    public long examples() {
        return examples;
    }

    /** Sum of squared errors of each target column; a copy. */
    public double[] squaredErrors() {
        return squaredErrors.clone();
    }

    public long correct() {
        return correct;
    }

    /** Per target column; copies. */
    public double[] absoluteErrors() {
        return absoluteErrors.clone();
    }

    public double[] targetSums() {
        return targetSums.clone();
    }

    public double[] targetSquares() {
        return targetSquares.clone();
    }

    /** Mean absolute error of target column {@code j}. */
    public double meanAbsoluteError(int j) {
        return examples == 0 ? Double.NaN : absoluteErrors[j] / examples;
    }

    /** Mean squared error of target column {@code j}. */
    public double meanSquaredError(int j) {
        return examples == 0 ? Double.NaN : squaredErrors[j] / examples;
    }

    /**
     * R² of target column {@code j}: 1 - SSE / SST, SST about the column's own mean; NaN for a constant column.
     */
    public double r2(int j) {
        double total = targetSquares[j] - targetSums[j] * targetSums[j] / examples;
        return examples == 0 || total <= 0 ? Double.NaN : 1 - squaredErrors[j] / total;
    }

    /** Mean over examples and target columns of the squared error (as DL4J's MSE loss averages). */
    public double meanSquaredError() {
        return examples == 0 ? Double.NaN : Arrays.stream(squaredErrors).sum() / ((double) examples * width);
    }

    @Override
    public double meanLoss() {
        return meanSquaredError();
    }

    @Override
    public String lossName() {
        return "mse";
    }

    @Override
    public boolean hasAccuracy() {
        return binary;
    }

    @Override
    public double accuracy() {
        return binary && examples > 0 ? (double) correct / examples : Double.NaN;
    }

    @Override
    public Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        if (width > 1) {
            List<Double> perTarget = new ArrayList<>(width);
            for (double sum : squaredErrors) {
                perTarget.add(examples == 0 ? Double.NaN : sum / examples);
            }
            details.put("test_mse_per_target", perTarget);
        }
        return details;
    }

    @Override
    public String toString() {
        return (binary ? "binary" : "regression") + " metrics of width " + width + " over " + examples + " examples";
    }
}
