package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.List;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.javacpp.Pointer;

/**
 * The oneDNN objects that one engine op builds for one batch size (descriptors, primitives, memory objects, argument
 * maps, scratchpads) on the JVM's engine, freed together by {@link #close}; and memory objects that point at the
 * engine's {@link NativeFloats}. Runs on an executor; a primitive runs on the calling thread's stream.
 *
 * <p>Why every primitive gets a scratchpad of its own ({@link #attr}, {@link #args}): oneDNN's default scratchpad
 * is the making thread's, counted in that thread's storage, and freeing a primitive on another task thread than made
 * it corrupted the heap (seen with {@link DnnlConvOp}); a replica is trained and evicted by whichever task thread
 * runs its stage.
 *
 * <p>Why memory objects are re-pointed, not re-made, per call: the op builds them once per batch size, and each
 * forward or backward pass only sets their data handles to the buffers it was given ({@link #point}). The argument
 * maps hold references to the same oneDNN memory, so they see the new handles.
 */
final class DnnlResources implements AutoCloseable {
    /** The JVM's engine (see {@link Dnnl}). */
    final engine cpu;
    /** The op these objects serve ("pooling 32x28x28 -> 32x14x14"), for messages. */
    private final String what;
    private final List<Pointer> owned = new ArrayList<>();

    DnnlResources(engine cpu, String what) {
        this.cpu = cpu;
        this.what = what;
    }

    /** Attributes for a primitive that takes its scratchpad from its arguments ({@link #args}). */
    primitive_attr attr() {
        primitive_attr attr = own(new primitive_attr());
        attr.set_scratchpad_mode(scratchpad_mode.user);
        return attr;
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

    /**
     * A batch of {@code n} images of {@code shape}: oneDNN's blocked layout ({@code nChw16c}: 16 channels of a
     * position together, where its JIT kernels for batch norm and pooling run) or plain NCHW. The two hold the same
     * floats only where the channels are a multiple of {@link DnnlLayouts#BLOCK}; {@link DnnlLayouts} blocks no other.
     */
    memory.desc image(boolean blocked, long n, Shape shape) {
        if (blocked && shape.channels() % DnnlLayouts.BLOCK != 0) {
            throw new IllegalArgumentException("the blocked layout of " + shape + " needs padding");
        }
        return own(new memory.desc(new long[] {n, shape.channels(), shape.height(), shape.width()},
                memory.data_type.f32, blocked ? memory.format_tag.nChw16c : memory.format_tag.nchw));
    }

    /** A memory object of {@code desc} whose data handle {@link #point} sets before each use. */
    memory memory(memory.desc desc) {
        return own(new memory(desc, cpu, (Pointer) null));
    }

    /** A memory object of {@code desc} over {@code floats}, which must hold at least {@code desc}'s size. */
    memory over(memory.desc desc, NativeFloats floats) {
        return own(new memory(desc, cpu, handle(desc, floats, what)));
    }

    /** {@link #bind} for this op's memory objects. */
    void point(memory m, NativeFloats floats, long count) {
        bind(m, count, floats, what);
    }

    /** The floats {@code desc} covers: its bytes, rounded up to whole floats. */
    static long floats(memory.desc desc) {
        return (desc.get_size() + Float.BYTES - 1) / Float.BYTES;
    }

    /**
     * Points {@code m}, a memory of {@code count} floats ({@link #floats} of its descriptor), at {@code buffer},
     * checked to hold them all, so that oneDNN never runs off a buffer's end: every oneDNN op binds the engine's
     * buffers to its memory objects here, or through {@link #handle} when it makes them.
     *
     * @param what the op, for the one-line failure
     */
    static void bind(memory m, long count, NativeFloats buffer, String what) {
        requireRoom(count, buffer, what);
        m.set_data_handle(buffer.handle());
    }

    /** {@code buffer}'s handle for a memory object of {@code desc}, checked as {@link #bind} checks. */
    static Pointer handle(memory.desc desc, NativeFloats buffer, String what) {
        requireRoom(floats(desc), buffer, what);
        return buffer.handle();
    }

    /**
     * An argument map of {@code (DNNL_ARG_..., memory)} pairs and a scratchpad of the size {@code pd} asks for
     * (made with {@link #attr}), allocated by oneDNN and freed by {@link #close}.
     */
    IntMemoryMap args(primitive_desc_base pd, Object... pairs) {
        IntMemoryMap map = own(new IntMemoryMap());
        map.put(DNNL_ARG_SCRATCHPAD, own(new memory(own(pd.scratchpad_desc()), cpu)));
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((Integer) pairs[i], (memory) pairs[i + 1]);
        }
        return map;
    }

    /** Runs {@code p} on the calling thread's stream and waits for it. */
    static void run(primitive p, IntMemoryMap args) {
        var stream = Dnnl.forThread().stream;
        p.execute(stream, args);
        stream._wait();
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

    private static void requireRoom(long count, NativeFloats buffer, String what) {
        if (count > buffer.length) {
            throw new IllegalArgumentException(what + ": a oneDNN memory of " + count + " floats over a buffer of "
                    + buffer.length);
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
