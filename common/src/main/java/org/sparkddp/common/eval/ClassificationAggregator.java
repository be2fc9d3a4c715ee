package org.sparkddp.common.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.Targets;

/**
 * Accumulates classification metrics (cross-entropy, accuracy, confusion matrix) over batches and merges across partitions, in the style of Spark MLlib's
 * aggregators: {@link #add} on executors, {@link #merge} in the tree reduction, the metrics on the driver.
 * Starts from a real zero value (no examples), never from null.
 */
public final class ClassificationAggregator implements HeldOutMetrics {
    /** Probabilities below this are clamped before the log, so one confident mistake cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-15;

    private final int numClasses;
    private long examples;
    private double lossSum;
    private long correct;
    private final long[] confusion;
    /** Sum over examples of the probability given to the true class: its mean is exp(-loss)'s arithmetic cousin. */
    private double trueProbabilitySum;

    public ClassificationAggregator(int numClasses) {
        this(numClasses, 0, 0, 0, new long[numClasses * numClasses], 0);
    }

    /** For deserialization: the state exactly as {@link #numClasses()} and the getters give it. */
    public ClassificationAggregator(int numClasses, long examples, double lossSum, long correct, long[] confusion,
                                    double trueProbabilitySum) {
        if (confusion.length != numClasses * numClasses) {
            throw new IllegalArgumentException("confusion matrix must be " + numClasses + "x" + numClasses);
        }
        this.numClasses = numClasses;
        this.examples = examples;
        this.lossSum = lossSum;
        this.correct = correct;
        this.confusion = confusion;
        this.trueProbabilitySum = trueProbabilitySum;
    }

    /**
     * @param probabilities {@code [n, numClasses]} network outputs (softmax)
     * @param labels        the true class of each of the n rows
     */
    public ClassificationAggregator add(INDArray probabilities, int[] labels) {
        if (probabilities.rows() != labels.length || probabilities.columns() != numClasses) {
            throw new IllegalArgumentException("expected [" + labels.length + ", " + numClasses + "] probabilities, got "
                    + java.util.Arrays.toString(probabilities.shape()));
        }
        float[] p = flatten(probabilities);
        for (int i = 0; i < labels.length; i++) {
            int predicted = 0;
            for (int c = 1; c < numClasses; c++) {
                if (p[i * numClasses + c] > p[i * numClasses + predicted]) {
                    predicted = c;
                }
            }
            int truth = labels[i];
            lossSum -= Math.log(Math.max(MIN_PROBABILITY, p[i * numClasses + truth]));
            trueProbabilitySum += p[i * numClasses + truth];
            correct += predicted == truth ? 1 : 0;
            confusion[truth * numClasses + predicted]++;
            examples++;
        }
        return this;
    }

    @Override
    public ClassificationAggregator add(INDArray outputs, Targets targets, int firstRow) {
        if (!(targets instanceof ClassLabels labels)) {
            throw new IllegalArgumentException("Dimensions mismatch: classification metrics need class labels, not "
                    + targets.getClass().getSimpleName());
        }
        return add(outputs, java.util.Arrays.copyOfRange(labels.labels(), firstRow, firstRow + (int) outputs.rows()));
    }

    private static float[] flatten(INDArray matrix) {
        return matrix.dup('c').reshape(matrix.length()).toFloatVector();
    }

    @Override
    public ClassificationAggregator merge(HeldOutMetrics partial) {
        if (!(partial instanceof ClassificationAggregator other)) {
            throw new IllegalArgumentException("Dimensions mismatch: cannot merge " + partial + " into classification"
                    + " metrics");
        }
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("Dimensions mismatch: " + numClasses + " vs " + other.numClasses + " classes");
        }
        examples += other.examples;
        lossSum += other.lossSum;
        correct += other.correct;
        trueProbabilitySum += other.trueProbabilitySum;
        for (int i = 0; i < confusion.length; i++) {
            confusion[i] += other.confusion[i];
        }
        return this;
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public long examples() {
        return examples;
    }

    public double lossSum() {
        return lossSum;
    }

    public long correct() {
        return correct;
    }

    /** Row = true class, column = predicted class; a copy. */
    public long[] confusion() {
        return confusion.clone();
    }

    public double trueProbabilitySum() {
        return trueProbabilitySum;
    }

    /** The mean probability the network gives the true class: the "quality" of the lecture notes. */
    public double meanTrueClassProbability() {
        return examples == 0 ? Double.NaN : trueProbabilitySum / examples;
    }

    /** Of the examples predicted {@code c}, the fraction truly {@code c}; NaN when none is predicted c. */
    public double precision(int c) {
        long predicted = 0;
        for (int t = 0; t < numClasses; t++) {
            predicted += confusion[t * numClasses + c];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c * numClasses + c] / predicted;
    }

    /** Of the examples truly {@code c}, the fraction predicted {@code c}; NaN when there are none. */
    public double recall(int c) {
        long actual = support(c);
        return actual == 0 ? Double.NaN : (double) confusion[c * numClasses + c] / actual;
    }

    /** The harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined. */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Examples whose true class is {@code c}. */
    public long support(int c) {
        long actual = 0;
        for (int j = 0; j < numClasses; j++) {
            actual += confusion[c * numClasses + j];
        }
        return actual;
    }

    @Override
    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** Mean cross-entropy of the true class, the same loss training minimizes. */
    @Override
    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    @Override
    public String lossName() {
        return "loss";
    }

    @Override
    public boolean hasAccuracy() {
        return true;
    }

    /** The confusion matrix as rows (true class) of columns (predicted class). */
    @Override
    public Map<String, Object> details() {
        List<List<Long>> rows = new ArrayList<>(numClasses);
        for (int i = 0; i < numClasses; i++) {
            List<Long> row = new ArrayList<>(numClasses);
            for (int j = 0; j < numClasses; j++) {
                row.add(confusion[i * numClasses + j]);
            }
            rows.add(row);
        }
        return Map.of("confusion_matrix", rows);
    }

    @Override
    public String toString() {
        return "classification metrics of " + numClasses + " classes over " + examples + " examples";
    }
}
