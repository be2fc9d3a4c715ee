package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * The oneDNN objects that one engine op builds for one batch size (descriptors, primitives, memory objects, argument
 * maps) on one thread's engine, freed together by {@link #close}; and memory objects that point at the engine's
 * {@link NativeFloats}. Runs on an executor.
 *
 * <p>Why memory objects are re-pointed, not re-made, per call: the op builds them once per batch size, and each
 * forward or backward pass only sets their data handles to the buffers it was given ({@link #point}). The argument
 * maps hold references to the same oneDNN memory, so they see the new handles.
 */
final class DnnlResources implements AutoCloseable {
    final Dnnl dnnl;
    private final List<Pointer> owned = new ArrayList<>();

    DnnlResources(Dnnl dnnl) {
        this.dnnl = dnnl;
    }

    /** Registers {@code p} to be freed by {@link #close}, and returns it. */
    <T extends Pointer> T own(T p) {
        owned.add(p);
        return p;
    }

    /** Plain row-major floats of {@code dims}: {@code nchw} for 4 dimensions, {@code nc} for 2, {@code x} for 1. */
    memory.desc plain(long... dims) {
        memory.format_tag tag = switch (dims.length) {
            case 1 -> memory.format_tag.x;
            case 2 -> memory.format_tag.nc;
            case 4 -> memory.format_tag.nchw;
            default -> throw new IllegalArgumentException(dims.length + " dimensions");
        };
        return own(new memory.desc(dims, memory.data_type.f32, tag));
    }

    /** A memory object of {@code desc} whose data handle {@link #point} sets before each use. */
    memory memory(memory.desc desc) {
        return own(new memory(desc, dnnl.cpu, (Pointer) null));
    }

    /** A memory object of {@code desc} over {@code floats}, which must hold at least {@code desc}'s size. */
    memory over(memory.desc desc, NativeFloats floats) {
        requireRoom(desc, floats);
        return own(new memory(desc, dnnl.cpu, start(floats)));
    }

    /**
     * Points {@code m} at {@code floats}, checked to hold the {@code count} floats {@code m} describes, so that
     * oneDNN never runs off a buffer's end.
     */
    void point(memory m, NativeFloats floats, long count) {
        if (count > floats.length) {
            throw new IllegalArgumentException("a oneDNN memory of " + count + " floats over a buffer of "
                    + floats.length);
        }
        m.set_data_handle(start(floats), dnnl.stream);
    }

    /** An argument map of {@code (DNNL_ARG_..., memory)} pairs. */
    IntMemoryMap args(Object... pairs) {
        IntMemoryMap map = own(new IntMemoryMap());
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Integer) pairs[i], (memory) pairs[i + 1]);
        }
        return map;
    }

    /** Runs {@code p} on this thread's stream and waits for it. */
    void run(primitive p, IntMemoryMap args) {
        p.execute(dnnl.stream, args);
        dnnl.stream._wait();
    }

    /**
     * {@code current} if it holds {@code count} floats, else a new owned buffer of {@code count} (and
     * {@code current}, owned by the caller, freed): scratch that grows to the largest batch an op has seen.
     */
    static NativeFloats atLeast(NativeFloats current, long count) {
        if (current != null && current.length >= count) {
            return current;
        }
        if (current != null) {
            current.close();
        }
        return NativeFloats.allocate(count);
    }

    /**
     * A pointer at the first float of {@code floats}, at position 0. A view's own pointer carries its offset as a
     * JavaCPP position, which oneDNN's {@code void*} handle arguments should not be trusted to add; the direct
     * buffer's address already includes it.
     */
    private static Pointer start(NativeFloats floats) {
        return new FloatPointer(floats.data);
    }

    private static void requireRoom(memory.desc desc, NativeFloats floats) {
        long bytes = desc.get_size();
        if (bytes > (long) floats.length * Float.BYTES) {
            throw new IllegalArgumentException("a oneDNN memory of " + bytes + " bytes over a buffer of "
                    + floats.length + " floats");
        }
    }

    /** Frees the objects in the reverse order of their making (primitives before their descriptors). */
    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
