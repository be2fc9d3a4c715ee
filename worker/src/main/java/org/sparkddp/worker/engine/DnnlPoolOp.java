package org.sparkddp.worker.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WORKSPACE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_avg_include_padding;
import static org.bytedeco.dnnl.global.dnnl.dnnl_pooling_max;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;

/**
 * {@link PoolOp} through oneDNN's pooling, on plain NCHW images ({@code [n, channels, height, width]}) or in
 * oneDNN's blocked layout where its input is ({@link DnnlLayouts}): max or
 * average pooling without padding (DL4J's {@code SubsamplingLayer} in truncate mode). Runs on an executor, on the
 * task thread's oneDNN stream.
 *
 * <p>Max pooling's training pass keeps oneDNN's workspace (where each window's maximum was), which the backward pass
 * routes the gradient by; the op owns it, sized for the largest batch it has seen. Which of several equal maxima
 * takes the gradient may differ from {@link PoolOp}'s choice; {@link PoolOp} says why that cannot change a gradient
 * where ties occur (after ReLU and batch norm). Without padding every window is whole, so average pooling divides by
 * the full window, as DL4J does whether or not it counts padding.
 *
 * <p>The primitives are built once per batch size on the JVM's engine ({@link DnnlBatchCache}), each with its own
 * scratchpad, and run on the calling thread's stream.
 *
 * <p>Speed (this thread's CPU time, forward and backward, batch 128, one thread, {@code DnnlNormPoolTiming}):
 * oneDNN's JIT pooling took 0.65 to 0.8 of {@link PoolOp}'s time for max pooling 32x28x28, 1.0 to 1.1 of it for
 * 64x14x14, and 0.27 to 0.45 of it for average pooling.
 */
final class DnnlPoolOp implements DnnlLayouts.Op {
    private final Shape in;
    private final Shape out;
    private final boolean max;
    private final long[] kernel;
    private final long[] stride;
    private final DnnlBatchCache<DnnlPasses> byBatch = new DnnlBatchCache<>(this::name, this::build);
    /** Max pooling's workspace, as floats (only its bytes matter). Owned; grown to the largest batch's. */
    private NativeFloats workspace;
    /** Images in oneDNN's blocked layout ({@link DnnlLayouts}) rather than plain NCHW. */
    private boolean blocked;

    DnnlPoolOp(Shape in, Shape out, boolean max, int[] kernel, int[] stride) {
        this.in = in;
        this.out = out;
        this.max = max;
        this.kernel = new long[] {kernel[0], kernel[1]};
        this.stride = new long[] {stride[0], stride[1]};
        if (in.channels() != out.channels() || ConvOp.truncateSize(in.height(), kernel[0], stride[0], 0) != out.height()
                || ConvOp.truncateSize(in.width(), kernel[1], stride[1], 0) != out.width()) {
            throw new IllegalArgumentException("pooling " + in + " to " + out + " with a window of " + kernel[0] + "x"
                    + kernel[1] + " and stride " + stride[0] + "x" + stride[1]);
        }
    }

    @Override
    public Shape out() {
        return out;
    }

    @Override
    public boolean convertsLayout() {
        return false;
    }

    @Override
    public void useLayouts(boolean blockedIn, boolean blockedOut) {
        if (blockedIn != blockedOut) {
            throw new IllegalArgumentException("pooling from one layout to another on " + in);
        }
        this.blocked = blockedIn;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        DnnlPasses p = byBatch.get(n);
        if (training && max) {
            workspace = DnnlResources.atLeast(workspace, p.workspaceFloats);
        }
        p.forward(x, y, training, workspace);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn != null) {
            byBatch.get(n).backward(x, gradOut, gradIn, workspace);
        }
    }

    private String name() {
        return "pooling " + in + " -> " + out;
    }

    /** Batch size {@code n}'s primitives (no padding: DL4J's truncate mode). */
    private DnnlPasses build(DnnlResources res, int n) {
        memory.desc source = res.image(blocked, n, in);
        memory.desc dest = res.image(blocked, n, out);
        int algorithm = max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
        long[] none = {0, 0};
        pooling_forward.primitive_desc trainPd = res.own(new pooling_forward.primitive_desc(res.own(
                new pooling_forward.desc(dnnl_forward_training, algorithm, source, dest, stride, kernel, none,
                        none)), res.attr(), res.cpu));
        pooling_forward.primitive_desc inferPd = res.own(new pooling_forward.primitive_desc(res.own(
                new pooling_forward.desc(dnnl_forward_inference, algorithm, source, dest, stride, kernel, none,
                        none)), res.attr(), res.cpu));
        pooling_backward.primitive_desc backPd = res.own(new pooling_backward.primitive_desc(res.own(
                new pooling_backward.desc(algorithm, source, dest, stride, kernel, none, none)), res.attr(), res.cpu,
                trainPd));
        Dnnl.sayKernels(name(), trainPd, inferPd, backPd);
        DnnlPasses p = new DnnlPasses(res, source, dest, max ? res.own(trainPd.workspace_desc()) : null);
        IntMemoryMap inferArgs = res.args(inferPd, DNNL_ARG_SRC, p.src, DNNL_ARG_DST, p.dst);
        IntMemoryMap trainArgs = max
                ? res.args(trainPd, DNNL_ARG_SRC, p.src, DNNL_ARG_DST, p.dst, DNNL_ARG_WORKSPACE, p.workspace)
                : res.args(trainPd, DNNL_ARG_SRC, p.src, DNNL_ARG_DST, p.dst);
        IntMemoryMap backArgs = max
                ? res.args(backPd, DNNL_ARG_DIFF_DST, p.diffDst, DNNL_ARG_DIFF_SRC, p.diffSrc, DNNL_ARG_WORKSPACE,
                        p.workspace)
                : res.args(backPd, DNNL_ARG_DIFF_DST, p.diffDst, DNNL_ARG_DIFF_SRC, p.diffSrc);
        return p.passes(res.own(new pooling_forward(trainPd)), trainArgs, res.own(new pooling_forward(inferPd)),
                inferArgs, res.own(new pooling_backward(backPd)), backArgs);
    }

    @Override
    public void close() {
        byBatch.close();
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }
}
