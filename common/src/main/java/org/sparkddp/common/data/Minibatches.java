package org.sparkddp.common.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the ND4J minibatch for a list of rows: features {@code [n, numFeatures]} and one-hot labels
 * {@code [n, numClasses]}, in float32. The executors and the single-machine reference both use this, so that
 * they feed DL4J bit-identical inputs.
 */
public final class Minibatches {
    private Minibatches() {
    }

    public static DataSet assemble(LabeledExamples examples, int[] rows) {
        int n = rows.length;
        int d = examples.numFeatures();
        int classes = examples.numClasses();
        float[] x = new float[n * d];
        float[] y = new float[n * classes];
        int[] labels = examples.labels().labels();
        for (int i = 0; i < n; i++) {
            examples.features().copyRow(rows[i], x, i * d);
            y[i * classes + labels[rows[i]]] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[] {n, d}, 'c');
        INDArray oneHot = Nd4j.create(y, new long[] {n, classes}, 'c');
        return new DataSet(features, oneHot);
    }
}
