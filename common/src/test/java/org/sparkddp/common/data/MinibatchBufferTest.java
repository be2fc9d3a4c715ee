package org.sparkddp.common.data;

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
    void refusesBatchesThatDoNotFit() {
        MinibatchBuffer buffer = new MinibatchBuffer(2, 12, 4);
        assertThrows(IllegalArgumentException.class, () -> buffer.assemble(examples(5, 12, 4), new int[] {0, 1, 2}));
        assertThrows(IllegalArgumentException.class, () -> buffer.assemble(examples(5, 10, 4), new int[] {0}));
    }
}
