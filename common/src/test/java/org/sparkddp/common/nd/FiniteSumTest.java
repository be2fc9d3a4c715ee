package org.sparkddp.common.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link FiniteSum} gives ND4J's own answer, {@code Double.isFinite(sumNumber())}, for every array: finite ones of
 * lengths around a vector kernel's width, a NaN or an infinity at the first, middle, last and tail positions, sums
 * that overflow float or cancel, and what BLAS does not take (a single value, a strided view, doubles).
 */
class FiniteSumTest {
    private static final float[] BAD = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    private static boolean reference(INDArray values) {
        return Double.isFinite(values.sumNumber().doubleValue());
    }

    private static INDArray random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return Nd4j.create(values, new long[] {1, n}, DataType.FLOAT);
    }

    @Test
    void agreesWithNd4jsSumWhereverANonFiniteValueSits() {
        for (int n : new int[] {1, 7, 16, 17, 33, 1000, 235_146}) {
            INDArray values = random(n, n);
            assertTrue(FiniteSum.of(values), "finite, length " + n);
            assertEquals(n > 1, FiniteSum.fastPath(values), "the fast path takes a finite vector, length " + n);
            for (int at : new int[] {0, n / 2, n - 1, Math.max(0, n - 3)}) {
                float kept = values.getFloat(0, at);
                for (float bad : BAD) {
                    values.putScalar(0, at, bad);
                    assertFalse(FiniteSum.fastPath(values), bad + " at " + at + " of " + n);
                    assertEquals(reference(values), FiniteSum.of(values), bad + " at " + at + " of " + n);
                    assertFalse(FiniteSum.of(values), bad + " at " + at + " of " + n);
                }
                values.putScalar(0, at, kept);
            }
        }
    }

    @Test
    void sumsPastFloatsRangeGetTheExactAnswer() {
        INDArray overflows = Nd4j.create(new float[] {3e38f, 3e38f, 1f}, new long[] {1, 3}, DataType.FLOAT);
        INDArray cancels = Nd4j.create(new float[] {3e38f, -3e38f, 1f}, new long[] {1, 3}, DataType.FLOAT);
        assertEquals(reference(overflows), FiniteSum.of(overflows));
        assertEquals(reference(cancels), FiniteSum.of(cancels));
        assertTrue(FiniteSum.of(cancels), "every value finite, and so is their sum");
    }

    @Test
    void viewsBlasDoesNotTakeGetTheExactAnswer() {
        INDArray matrix = Nd4j.rand(DataType.FLOAT, 6, 5);
        INDArray column = matrix.getColumn(2);
        assertFalse(FiniteSum.fastPath(column), "a strided view: the exact path");
        assertFalse(FiniteSum.fastPath(Nd4j.rand(DataType.DOUBLE, 1, 6)), "doubles: the exact path");
        assertTrue(FiniteSum.of(column));
        matrix.putScalar(4, 2, Float.NaN);
        assertEquals(reference(column), FiniteSum.of(column));
        assertFalse(FiniteSum.of(column));
    }

    /**
     * A contiguous slice at an offset, as the sliced optimizer checks its own parameters: BLAS reads the slice, not
     * the array's start. A NaN inside the slice is found, and one just outside it does not count.
     */
    @Test
    void aSliceAtAnOffsetIsCheckedOnItsOwnValues() {
        INDArray whole = random(100, 5);
        INDArray slice = whole.get(NDArrayIndex.point(0), NDArrayIndex.interval(40, 70));
        assertTrue(FiniteSum.fastPath(slice), "a contiguous slice: the fast path");
        whole.putScalar(0, 39, Float.NaN);
        whole.putScalar(0, 70, Float.POSITIVE_INFINITY);
        assertTrue(FiniteSum.of(slice), "values outside the slice do not count");
        assertEquals(reference(slice), FiniteSum.of(slice));
        whole.putScalar(0, 55, Float.NaN);
        assertFalse(FiniteSum.fastPath(slice));
        assertFalse(FiniteSum.of(slice));
    }
}
