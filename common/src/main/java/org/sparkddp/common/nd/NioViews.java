package org.sparkddp.common.nd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Zero-copy {@link ByteBuffer} views of ND4J arrays, so that sockets read and write a network's memory directly.
 * Runs on executors (the collectives) and wherever a {@code MinibatchBuffer} fills a batch.
 *
 * <p>Ownership: a view does not keep its array alive, since a direct buffer made over foreign memory holds no
 * reference to that memory's owner. Every caller keeps the array itself reachable for as long as it uses the view
 * (the step rules hold the replica network, whose flat parameter, gradient and updater arrays these are, for the
 * whole stage; a {@code MinibatchBuffer} holds its arrays in fields).
 */
public final class NioViews {
    private NioViews() {
    }

    /**
     * A native-order view of exactly the elements of {@code array}, which must be float32 and contiguous.
     *
     * <p>NOTE: the view starts at the address libnd4j gives for the array's data buffer ({@code addressPointer},
     * read from the native buffer, where a view's offset is already applied) and spans the array's length; ND4J's
     * {@code asNio()} instead starts at the underlying allocation for views and at the buffer itself otherwise,
     * which left the offset to guess.
     */
    public static ByteBuffer of(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a FLOAT array but got " + array.dataType());
        }
        if (array.length() > 0 && array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("array is not contiguous (element-wise stride "
                    + array.elementWiseStride() + ")");
        }
        if (array.isEmpty() || array.length() == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        }
        DataBuffer data = array.data();
        if (array.length() > data.length()) {
            throw new IllegalArgumentException("array of " + array.length() + " elements over a data buffer of "
                    + data.length());
        }
        long bytes = array.length() * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array of " + array.length() + " floats is over 2 GiB; exchange it in "
                    + "chunks");
        }
        Pointer start = data.addressPointer();
        if (start == null || start.isNull()) {
            throw new IllegalStateException("array has no native memory (released or not allocated)");
        }
        return new BytePointer(start).position(0).capacity(bytes).limit(bytes).asByteBuffer()
                .order(ByteOrder.nativeOrder());
    }

    /**
     * A native-order view of floats {@code [from, to)} of {@code array} (float32, contiguous), with 64-bit offsets:
     * the array may be larger than 2 GiB, the view itself not.
     */
    public static ByteBuffer range(INDArray array, long from, long to) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a FLOAT array but got " + array.dataType());
        }
        if (from < 0 || to < from || to > array.length()) {
            throw new IndexOutOfBoundsException("floats [" + from + ", " + to + ") of an array of " + array.length());
        }
        long bytes = (to - from) * Float.BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a view of " + (to - from) + " floats is over 2 GiB; take it in chunks");
        }
        if (bytes == 0) {
            return ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        }
        if (array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("array is not contiguous (element-wise stride "
                    + array.elementWiseStride() + ")");
        }
        Pointer start = array.data().addressPointer();
        if (start == null || start.isNull()) {
            throw new IllegalStateException("array has no native memory (released or not allocated)");
        }
        long offset = from * Float.BYTES;
        return new BytePointer(start).capacity(offset + bytes).position(offset).limit(offset + bytes).asByteBuffer()
                .order(ByteOrder.nativeOrder());
    }

    /** The largest view {@link #segments(INDArray)} makes: 1 GiB, a whole number of floats. */
    public static final long SEGMENT_BYTES = 1L << 30;

    /**
     * Native-order views of all of {@code array} (float32, contiguous), in order, each at most 1 GiB: for vectors
     * over 2 GiB, which one {@link ByteBuffer} cannot span (its size is an int).
     */
    public static ByteBuffer[] segments(INDArray array) {
        return segments(array, SEGMENT_BYTES);
    }

    /**
     * As {@link #segments(INDArray)}, each view at most {@code maxBytes} (rounded down to whole floats): the tests
     * pass a small size to exercise the cuts on a small array.
     */
    public static ByteBuffer[] segments(INDArray array, long maxBytes) {
        long perSegment = Math.min(maxBytes, Integer.MAX_VALUE) / Float.BYTES;
        if (perSegment <= 0) {
            throw new IllegalArgumentException("a segment must hold at least one float but got " + maxBytes + " bytes");
        }
        long length = array.length();
        long count = Math.max(1, (length + perSegment - 1) / perSegment);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(length + " floats in segments of " + perSegment + " are too many");
        }
        ByteBuffer[] views = new ByteBuffer[(int) count];
        for (int i = 0; i < views.length; i++) {
            long from = i * perSegment;
            views[i] = range(array, from, Math.min(length, from + perSegment));
        }
        return views;
    }
}
