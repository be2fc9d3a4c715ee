package org.sparkddp.common.data;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.nd.NioViews;

/**
 * Reusable native memory for minibatches: rows are written straight into preallocated float32 arrays, so an
 * iteration allocates nothing. Produces exactly the values {@link Minibatches#assemble} does. Not thread-safe:
 * one per consumer (a rank's stage, an evaluation task, the single-process baseline). The arrays of a returned
 * batch are overwritten by the next call of the same size.
 *
 * <p>NOTE: each batch size gets arrays of exactly its size, not a view of the leading rows of a larger array: a
 * worker's share of the global batch varies by a row or two between iterations, and DL4J lays out and sums a view
 * differently from a whole array, rounding differences that batch norm over a few examples magnifies. A few sizes
 * are kept (a worker sees two or three); a rarer one, such as an epoch's last, replaces the least recently used.
 */
public final class MinibatchBuffer {
    private static final int SIZES_KEPT = 4;

    private final int capacity;
    private final int numFeatures;
    private final int targetWidth;
    private final java.util.LinkedHashMap<Integer, Slot> slots = new java.util.LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Integer, Slot> eldest) {
            return size() > SIZES_KEPT;
        }
    };
    private final float[] row;
    private final float[] targetRow;

    /** Arrays for one batch size. */
    private record Slot(INDArray features, INDArray labels, FloatBuffer featureMemory, FloatBuffer labelMemory) {
        static Slot of(int rows, int numFeatures, int targetWidth) {
            INDArray features = Nd4j.create(DataType.FLOAT, new long[] {rows, numFeatures}, 'c');
            INDArray labels = Nd4j.create(DataType.FLOAT, new long[] {rows, targetWidth}, 'c');
            return new Slot(features, labels, NioViews.of(features).asFloatBuffer(),
                    NioViews.of(labels).asFloatBuffer());
        }
    }

    /** @param targetWidth floats of encoded targets per example: the number of classes, for class labels */
    public MinibatchBuffer(int capacity, int numFeatures, int targetWidth) {
        this.capacity = capacity;
        this.numFeatures = numFeatures;
        this.targetWidth = targetWidth;
        this.row = new float[numFeatures];
        this.targetRow = new float[targetWidth];
    }

    /** The given rows as a minibatch: features {@code [n, numFeatures]}, encoded targets {@code [n, targetWidth]}. */
    public DataSet assemble(LabeledExamples examples, int[] rows) {
        int n = rows.length;
        if (n == 0 || n > capacity || examples.numFeatures() != numFeatures || examples.targetWidth() != targetWidth) {
            throw new IllegalArgumentException("batch of " + n + " rows of " + examples.numFeatures() + " features and "
                    + examples.targetWidth() + " targets does not fit a buffer of 1.." + capacity + " x " + numFeatures
                    + " and " + targetWidth + " targets");
        }
        Slot slot = slots.computeIfAbsent(n, size -> Slot.of(size, numFeatures, targetWidth));
        Targets targets = examples.targets();
        for (int i = 0; i < n; i++) {
            examples.features().copyRow(rows[i], row, 0);
            slot.featureMemory().put(i * numFeatures, row);
            targets.encode(rows[i], targetRow, 0);
            slot.labelMemory().put(i * targetWidth, targetRow);
        }
        return new DataSet(slot.features(), slot.labels());
    }
}
