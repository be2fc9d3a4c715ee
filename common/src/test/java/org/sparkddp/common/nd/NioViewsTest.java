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

    /** Segments cover the whole vector in order, none over the size asked for, and write through to the array. */
    @Test
    void segmentsCutAVectorIntoViewsOfAtMostTheSizeAskedFor() {
        INDArray flat = Nd4j.arange(0, 1003).castTo(DataType.FLOAT);
        // 40 bytes is 10 floats: 100 whole segments and one of 3; 42 bytes rounds down to the same.
        for (long maxBytes : new long[] {40, 42}) {
            ByteBuffer[] segments = NioViews.segments(flat, maxBytes);
            assertEquals(101, segments.length);
            long next = 0;
            for (ByteBuffer segment : segments) {
                FloatBuffer floats = segment.asFloatBuffer();
                assertEquals(true, segment.remaining() <= 40, "a segment of " + segment.remaining() + " bytes");
                for (int i = 0; i < floats.remaining(); i++) {
                    assertEquals(next++, floats.get(i));
                }
            }
            assertEquals(1003, next);
        }
        NioViews.segments(flat, 40)[100].asFloatBuffer().put(2, -7f);
        assertEquals(-7f, flat.getFloat(1002));
        // One segment when the vector fits; an empty vector is one empty view.
        assertEquals(1, NioViews.segments(flat).length);
        assertEquals(0, NioViews.segments(Nd4j.create(DataType.FLOAT, 0), 40)[0].remaining());
        assertThrows(IllegalArgumentException.class, () -> NioViews.segments(flat, 3));
    }
}
