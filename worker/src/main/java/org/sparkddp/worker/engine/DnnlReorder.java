package org.sparkddp.worker.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;

/**
 * A step that {@link DnnlLayouts} puts between an image layer that writes oneDNN's blocked layout
 * ({@link DnnlResources#image}) and a consumer that reads plain NCHW (flatten into the dense layers, a residual sum,
 * a Java op): forward copies the activations from blocked to plain, backward the gradient from plain to blocked.
 * Runs on an executor, on the task thread's oneDNN stream; its primitives are built once per batch size on the
 * JVM's engine ({@link DnnlBatchCache}), each with its own scratchpad.
 */
final class DnnlReorder implements EngineLayer {
    private final Shape shape;
    private final DnnlBatchCache<Passes> byBatch = new DnnlBatchCache<>(this::name, this::build);

    /** One batch size's two reorders and the memory objects they point at the engine's buffers. */
    private record Passes(DnnlResources res, long blockedCount, memory blocked, long plainCount, memory plain,
                          reorder toPlain, IntMemoryMap toPlainArgs, reorder toBlocked, IntMemoryMap toBlockedArgs) {
    }

    DnnlReorder(Shape shape) {
        if (!shape.image()) {
            throw new IllegalArgumentException("a layout reorder of a vector of " + shape);
        }
        this.shape = shape;
    }

    @Override
    public Shape out() {
        return shape;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        Passes p = byBatch.get(n);
        p.res.point(p.blocked, x, p.blockedCount);
        p.res.point(p.plain, y, p.plainCount);
        DnnlResources.run(p.toPlain, p.toPlainArgs);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn == null) {
            return; // nothing before it needs a gradient
        }
        Passes p = byBatch.get(n);
        p.res.point(p.plain, gradOut, p.plainCount);
        p.res.point(p.blocked, gradIn, p.blockedCount);
        DnnlResources.run(p.toBlocked, p.toBlockedArgs);
    }

    private String name() {
        return "reorder " + shape;
    }

    private Passes build(DnnlResources res, int n) {
        memory.desc blockedDesc = res.image(true, n, shape);
        memory.desc plainDesc = res.image(false, n, shape);
        memory blocked = res.memory(blockedDesc);
        memory plain = res.memory(plainDesc);
        var toPlainPd = res.own(new reorder.primitive_desc(blocked, plain, res.attr(), false));
        var toBlockedPd = res.own(new reorder.primitive_desc(plain, blocked, res.attr(), false));
        Dnnl.sayKernels(name(), toPlainPd, toBlockedPd);
        return new Passes(res, DnnlResources.floats(blockedDesc), blocked, DnnlResources.floats(plainDesc), plain,
                res.own(new reorder(toPlainPd)),
                res.args(toPlainPd, DNNL_ARG_FROM, blocked, DNNL_ARG_TO, plain), res.own(new reorder(toBlockedPd)),
                res.args(toBlockedPd, DNNL_ARG_FROM, plain, DNNL_ARG_TO, blocked));
    }

    @Override
    public void close() {
        byBatch.close();
    }
}
