package org.sparkddp.common.eval;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Accumulates classification metrics over batches and merges across partitions, in the style of Spark MLlib's
 * aggregators: {@link #add} on executors, {@link #merge} in the tree reduction, the metrics on the driver.
 * Starts from a real zero value (no examples), never from null.
 */
public final class ClassificationAggregator {
    /** Probabilities below this are clamped before the log, so one confident mistake cannot make the loss infinite. */
    private static final double MIN_PROBABILITY = 1e-15;

    private final int numClasses;
    private long examples;
    private double lossSum;
    private long correct;
    private final long[] confusion;

    public ClassificationAggregator(int numClasses) {
        this(numClasses, 0, 0, 0, new long[numClasses * numClasses]);
    }

    /** For deserialization: the state exactly as {@link #numClasses()} and the getters give it. */
    public ClassificationAggregator(int numClasses, long examples, double lossSum, long correct, long[] confusion) {
        if (confusion.length != numClasses * numClasses) {
            throw new IllegalArgumentException("confusion matrix must be " + numClasses + "x" + numClasses);
        }
        this.numClasses = numClasses;
        this.examples = examples;
        this.lossSum = lossSum;
        this.correct = correct;
        this.confusion = confusion;
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
            correct += predicted == truth ? 1 : 0;
            confusion[truth * numClasses + predicted]++;
            examples++;
        }
        return this;
    }

    private static float[] flatten(INDArray matrix) {
        return matrix.dup('c').reshape(matrix.length()).toFloatVector();
    }

    public ClassificationAggregator merge(ClassificationAggregator other) {
        if (other.numClasses != numClasses) {
            throw new IllegalArgumentException("Dimensions mismatch: " + numClasses + " vs " + other.numClasses + " classes");
        }
        examples += other.examples;
        lossSum += other.lossSum;
        correct += other.correct;
        for (int i = 0; i < confusion.length; i++) {
            confusion[i] += other.confusion[i];
        }
        return this;
    }

    public int numClasses() {
        return numClasses;
    }

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

    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** Mean cross-entropy of the true class, the same loss training minimizes. */
    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }
}
