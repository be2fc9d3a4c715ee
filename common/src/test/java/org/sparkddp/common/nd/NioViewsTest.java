package org.sparkddp.common.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class NioViewsTest {
    @Test
    void aWholeArrayIsViewedElementForElementBothWays() {
        INDArray a = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        FloatBuffer view = NioViews.of(a).asFloatBuffer();
        assertEquals(6, view.capacity());
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1, view.get(i));
        }
        view.put(4, 50f);
        assertEquals(50f, a.getFloat(1, 1));
    }

    /** Views with an offset, as the per-layer parameter views of a flat vector are: the case that was guessed. */
    @Test
    void aViewWithAnOffsetStartsAtItsFirstElement() {
        INDArray flat = Nd4j.arange(0, 1000).castTo(DataType.FLOAT).reshape(1, 1000);
        for (int[] range : new int[][] {{0, 10}, {1, 2}, {500, 1000}, {999, 1000}, {250, 750}}) {
            INDArray piece = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(range[0], range[1]));
            ByteBuffer bytes = NioViews.of(piece);
            FloatBuffer view = bytes.asFloatBuffer();
            assertEquals(range[1] - range[0], view.capacity(), "length of " + range[0] + ".." + range[1]);
            assertEquals(range[0], view.get(0), "first element of " + range[0] + ".." + range[1]);
            assertEquals(range[1] - 1, view.get(view.capacity() - 1), "last element of " + range[0] + ".." + range[1]);
            view.put(0, -1f);
            assertEquals(-1f, flat.getFloat(0, range[0]));
        }
    }

    /** A view of a view (a slice of a reshaped flat vector, as SlicedOptimizer makes). */
    @Test
    void aViewOfAViewStartsAtItsFirstElement() {
        INDArray flat = Nd4j.arange(0, 100).castTo(DataType.FLOAT).reshape(1, 100);
        INDArray outer = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(20, 80));
        INDArray inner = outer.get(NDArrayIndex.interval(10, 30));
        FloatBuffer view = NioViews.of(inner).asFloatBuffer();
        assertEquals(20, view.capacity());
        assertEquals(30f, view.get(0));
        assertEquals(49f, view.get(19));
    }

    @Test
    void refusesWhatItCannotViewExactly() {
        assertThrows(IllegalArgumentException.class, () -> NioViews.of(Nd4j.zeros(DataType.DOUBLE, 3)));
        INDArray columns = Nd4j.zeros(DataType.FLOAT, 4, 4).get(NDArrayIndex.all(), NDArrayIndex.point(1));
        assertThrows(IllegalArgumentException.class, () -> NioViews.of(columns));
    }
}
