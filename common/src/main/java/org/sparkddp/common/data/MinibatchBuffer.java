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
    private final int targetWidth;
    private final INDArray features;
    private final INDArray labels;
    private final FloatBuffer featureMemory;
    private final FloatBuffer labelMemory;
    private final float[] row;
    private final float[] targetRow;

    /** @param targetWidth floats of encoded targets per example: the number of classes, for class labels */
    public MinibatchBuffer(int capacity, int numFeatures, int targetWidth) {
        this.capacity = capacity;
        this.numFeatures = numFeatures;
        this.targetWidth = targetWidth;
        this.features = Nd4j.create(DataType.FLOAT, new long[] {capacity, numFeatures}, 'c');
        this.labels = Nd4j.create(DataType.FLOAT, new long[] {capacity, targetWidth}, 'c');
        this.featureMemory = NioViews.of(features).asFloatBuffer();
        this.labelMemory = NioViews.of(labels).asFloatBuffer();
        this.row = new float[numFeatures];
        this.targetRow = new float[targetWidth];
    }

    /** The given rows as a minibatch: features {@code [n, numFeatures]}, encoded targets {@code [n, targetWidth]}. */
    public DataSet assemble(LabeledExamples examples, int[] rows) {
        int n = rows.length;
        if (n > capacity || examples.numFeatures() != numFeatures || examples.targetWidth() != targetWidth) {
            throw new IllegalArgumentException("batch of " + n + " rows of " + examples.numFeatures() + " features and "
                    + examples.targetWidth() + " targets does not fit a buffer of " + capacity + " x " + numFeatures
                    + " and " + targetWidth + " targets");
        }
        Targets targets = examples.targets();
        for (int i = 0; i < n; i++) {
            examples.features().copyRow(rows[i], row, 0);
            featureMemory.put(i * numFeatures, row);
            targets.encode(rows[i], targetRow, 0);
            labelMemory.put(i * targetWidth, targetRow);
        }
        if (n == capacity) {
            return new DataSet(features, labels);
        }
        // Leading rows of a row-major array: a contiguous view, no copy.
        return new DataSet(features.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()),
                labels.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()));
    }
}
