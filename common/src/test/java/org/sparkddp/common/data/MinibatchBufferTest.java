package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class MinibatchBufferTest {
    private static LabeledExamples examples(int n, int d, int classes) {
        Random random = new Random(1);
        byte[] pixels = new byte[n * d];
        random.nextBytes(pixels);
        int[] labels = random.ints(n, 0, classes).toArray();
        return new LabeledExamples(new UnsignedByteFeatures(n, d, pixels), new ClassLabels(classes, labels));
    }

    @Test
    void matchesTheAllocatingAssemblyForFullPartialAndReusedBatches() {
        LabeledExamples data = examples(50, 12, 4);
        MinibatchBuffer buffer = new MinibatchBuffer(8, 12, 4);
        int[][] batches = {{3, 9, 27, 1, 0, 44, 8, 30}, {5, 6, 7}, {49, 48, 47, 46, 45, 44, 43, 42}, {11}};
        for (int[] rows : batches) {
            DataSet expected = Minibatches.assemble(data, rows);
            DataSet actual = buffer.assemble(data, rows);
            assertEquals(expected.getFeatures(), actual.getFeatures());
            assertEquals(expected.getLabels(), actual.getLabels());
        }
    }

    @Test
    void realTargetsAreCopiedBitForBitAndShapesAreKept() {
        Random random = new Random(2);
        float[] x = new float[30 * 5];
        float[] y = new float[30 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) random.nextGaussian();
        }
        LabeledExamples data = new LabeledExamples(new DenseFeatures(30, 5, x), new RealTargets(3, y));
        MinibatchBuffer buffer = new MinibatchBuffer(4, 5, 3);
        for (int[] rows : new int[][] {{29, 0, 7, 3}, {1, 2}}) {
            DataSet expected = Minibatches.assemble(data, rows);
            DataSet actual = buffer.assemble(data, rows);
            assertEquals(expected.getFeatures(), actual.getFeatures());
            assertEquals(expected.getLabels(), actual.getLabels());
            assertEquals(y[rows[0] * 3 + 2], actual.getLabels().getFloat(0, 2), 0f);
        }
        byte[] pixels = new byte[2 * 12];
        assertArrayEquals(new int[] {1, 3, 4},
                new UnsignedByteFeatures(2, 12, pixels, new int[] {1, 3, 4}).select(new int[] {1}).inputShape());
        assertArrayEquals(new int[] {5}, data.inputShape());
        assertEquals(3, data.targetWidth());
    }

    @Test
    void refusesBatchesThatDoNotFit() {
        MinibatchBuffer buffer = new MinibatchBuffer(2, 12, 4);
        assertThrows(IllegalArgumentException.class, () -> buffer.assemble(examples(5, 12, 4), new int[] {0, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> buffer.assemble(examples(5, 10, 4), new int[] {0}));
    }
}
