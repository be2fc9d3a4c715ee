package org.sparkddp.common.data;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.nd.NioViews;

/**
 * Reusable native memory for minibatches: rows are written straight into preallocated float32 arrays, so an
 * iteration allocates nothing. Produces exactly the values {@link Minibatches#assemble} does. Not thread-safe:
 * one per consumer (a rank's stage, an evaluation task, the single-process baseline). The arrays of a returned
 * batch are overwritten by the next call.
 */
public final class MinibatchBuffer {
    private final int capacity;
    private final int numFeatures;
    private final int numClasses;
    private final INDArray features;
    private final INDArray labels;
    private final FloatBuffer featureMemory;
    private final FloatBuffer labelMemory;
    private final float[] row;

    public MinibatchBuffer(int capacity, int numFeatures, int numClasses) {
        this.capacity = capacity;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
        this.features = Nd4j.create(DataType.FLOAT, new long[] {capacity, numFeatures}, 'c');
        this.labels = Nd4j.create(DataType.FLOAT, new long[] {capacity, numClasses}, 'c');
        this.featureMemory = NioViews.of(features).asFloatBuffer();
        this.labelMemory = NioViews.of(labels).asFloatBuffer();
        this.row = new float[numFeatures];
    }

    /** The given rows as a minibatch: features {@code [n, numFeatures]}, one-hot labels {@code [n, numClasses]}. */
    public DataSet assemble(LabeledExamples examples, int[] rows) {
        int n = rows.length;
        if (n > capacity || examples.numFeatures() != numFeatures || examples.numClasses() != numClasses) {
            throw new IllegalArgumentException("batch of " + n + " rows of " + examples.numFeatures() + " features and "
                    + examples.numClasses() + " classes does not fit a buffer of " + capacity + " x " + numFeatures
                    + " and " + numClasses + " classes");
        }
        int[] classes = examples.labels().labels();
        for (int i = 0; i < n; i++) {
            examples.features().copyRow(rows[i], row, 0);
            featureMemory.put(i * numFeatures, row);
            int base = i * numClasses;
            for (int c = 0; c < numClasses; c++) {
                labelMemory.put(base + c, 0f);
            }
            labelMemory.put(base + classes[rows[i]], 1f);
        }
        if (n == capacity) {
            return new DataSet(features, labels);
        }
        // Leading rows of a row-major array: a contiguous view, no copy.
        return new DataSet(features.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()),
                labels.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()));
    }
}
