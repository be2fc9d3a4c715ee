package org.sparkddp.common.nd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Zero-copy {@link ByteBuffer} views of ND4J arrays, so that sockets read and write a network's memory directly. */
public final class NioViews {
    private NioViews() {
    }

    /** A native-order view of exactly the elements of {@code array}, which must be float32 and contiguous. */
    public static ByteBuffer of(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a FLOAT array but got " + array.dataType());
        }
        if (array.length() > 0 && array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("array is not contiguous (element-wise stride "
                    + array.elementWiseStride() + ")");
        }
        ByteBuffer whole = array.data().asNio().order(ByteOrder.nativeOrder());
        int from = Math.toIntExact(array.offset() * Float.BYTES);
        int to = Math.toIntExact(from + array.length() * Float.BYTES);
        if (to > whole.capacity()) {
            // Some ND4J buffers already start at the view's offset.
            from = 0;
            to = Math.toIntExact(array.length() * Float.BYTES);
        }
        return whole.duplicate().limit(to).position(from).slice().order(ByteOrder.nativeOrder());
    }
}
