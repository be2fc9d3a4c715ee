package org.sparkddp.worker.engine;

import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A run of floats in native memory, seen both as a JavaCPP pointer (for BLAS) and as a direct {@link FloatBuffer}
 * (for the engine's loops). Either owned (allocated here, freed by {@link #close}) or a view of a contiguous ND4J
 * array, such as one layer's slice of DL4J's flat parameter or gradient vector, which the engine reads and writes in
 * place. Runs on an executor.
 */
final class NativeFloats implements AutoCloseable {
    private final FloatPointer pointer;
    private final boolean owned;
    /** The array a view reads, held so that ND4J cannot free its memory while the view lives. */
    private final Object array;
    /** The first float's address as an untyped pointer (made on first use), for oneDNN's memory objects. */
    private Pointer handle;
    /** Absolute get/put, index 0 is the first float; capacity {@link #length}. */
    final FloatBuffer data;
    final int length;

    private NativeFloats(FloatPointer pointer, boolean owned, Object array, int length) {
        this.pointer = pointer;
        this.owned = owned;
        this.array = array;
        this.length = length;
        this.data = pointer.asBuffer();
        if (data.capacity() != length) {
            throw new IllegalStateException("a view of " + length + " floats came out as " + data.capacity());
        }
    }

    /** {@code length} zeroed floats of native memory. */
    static NativeFloats allocate(long length) {
        int n = checkedLength(length);
        FloatPointer p = new FloatPointer(Math.max(1, n));
        p.zero();
        return new NativeFloats(p.limit(n), true, null, n);
    }

    /** A view of a contiguous float array (a DL4J parameter or gradient view): writes change the array. */
    static NativeFloats of(INDArray array) {
        if (array.length() > 1 && array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("not contiguous: " + array.shapeInfoToString());
        }
        int n = checkedLength(array.length());
        Pointer base = array.data().addressPointer();
        FloatPointer p = new FloatPointer(base);
        // addressPointer() already starts at the buffer's own offset; a view into a larger buffer adds its own.
        long at = array.offset() - array.data().offset();
        p.position(0).capacity(at + n).limit(at + n).position(at);
        return new NativeFloats(p, false, array, n);
    }

    private static int checkedLength(long length) {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the engine keeps one layer's buffer under 2^31 floats, but "
                    + length + " were asked for");
        }
        return (int) length;
    }

    /** The pointer at float {@code offset}, for BLAS. */
    FloatPointer at(long offset) {
        return offset == 0 ? pointer : new FloatPointer(pointer).position(pointer.position() + offset);
    }

    /**
     * The first float's address as a byte pointer at position 0 of it: oneDNN takes a {@code void*}, and a typed
     * pointer's position would be read in another unit.
     */
    Pointer handle() {
        if (handle == null) {
            handle = pointer.getPointer(BytePointer.class);
        }
        return handle;
    }

    /** Sets floats {@code [0, n)} to zero. */
    void zero(int n) {
        for (int i = 0; i < n; i++) {
            data.put(i, 0f);
        }
    }

    @Override
    public void close() {
        if (owned) {
            pointer.deallocate();
        }
    }
}
