package org.sparkddp.common.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the ND4J minibatch for a list of rows: features {@code [n, numFeatures]} and encoded targets
 * {@code [n, targetWidth]} (one-hot for class labels), in float32. The executors and the single-machine
 * reference both use this, so that they feed DL4J bit-identical inputs.
 */
public final class Minibatches {
    private Minibatches() {
    }

    public static DataSet assemble(LabeledExamples examples, int[] rows) {
        int n = rows.length;
        int d = examples.numFeatures();
        int width = examples.targetWidth();
        float[] x = new float[n * d];
        float[] y = new float[n * width];
        Targets targets = examples.targets();
        for (int i = 0; i < n; i++) {
            examples.features().copyRow(rows[i], x, i * d);
            targets.encode(rows[i], y, i * width);
        }
        INDArray features = Nd4j.create(x, new long[] {n, d}, 'c');
        INDArray encoded = Nd4j.create(y, new long[] {n, width}, 'c');
        return new DataSet(features, encoded);
    }
}
