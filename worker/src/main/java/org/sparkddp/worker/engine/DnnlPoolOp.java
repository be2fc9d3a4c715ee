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

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;

/**
 * {@link PoolOp} through oneDNN's pooling, on plain NCHW images ({@code [n, channels, height, width]}): max or
 * average pooling without padding (DL4J's {@code SubsamplingLayer} in truncate mode). Runs on an executor, on the
 * task thread's oneDNN stream.
 *
 * <p>Max pooling's training pass keeps oneDNN's workspace (where each window's maximum was), which the backward pass
 * routes the gradient by; the op owns it, sized for the largest batch it has seen. Which of several equal maxima
 * takes the gradient may differ from {@link PoolOp}'s choice; {@link PoolOp} says why that cannot change a gradient
 * where ties occur (after ReLU and batch norm). Without padding every window is whole, so average pooling divides by
 * the full window, as DL4J does whether or not it counts padding.
 *
 * <p>The primitives are built once per batch size, on the calling thread's engine (see {@link DnnlBatchNormOp}).
 */
final class DnnlPoolOp implements EngineLayer {
    private final Shape in;
    private final Shape out;
    private final boolean max;
    private final long[] kernel;
    private final long[] stride;
    private final Map<Integer, Primitives> byBatch = new HashMap<>();
    /** Max pooling's workspace, as floats (only its bytes matter). Owned; grown to the largest batch's. */
    private NativeFloats workspace;

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
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        Primitives p = primitives(n);
        p.res.point(p.src, x, p.inCount);
        p.res.point(p.dst, y, p.outCount);
        if (!training) {
            p.res.run(p.infer, p.inferArgs);
            return;
        }
        if (max) {
            p.res.point(p.workspace, workspace(p.workspaceFloats), p.workspaceFloats);
        }
        p.res.run(p.train, p.trainArgs);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn == null) {
            return;
        }
        Primitives p = primitives(n);
        p.res.point(p.diffDst, gradOut, p.outCount);
        p.res.point(p.diffSrc, gradIn, p.inCount);
        if (max) {
            p.res.point(p.workspace, workspace, p.workspaceFloats);
        }
        p.res.run(p.back, p.backArgs);
    }

    private NativeFloats workspace(long floats) {
        if (workspace == null || workspace.length < floats) {
            if (workspace != null) {
                workspace.close();
            }
            workspace = NativeFloats.allocate(floats);
        }
        return workspace;
    }

    /** This batch size's primitives on the calling thread's engine, built on first use. */
    private Primitives primitives(int n) {
        Dnnl dnnl = Dnnl.forThread();
        Primitives p = byBatch.get(n);
        if (p != null && p.res.dnnl == dnnl) {
            return p;
        }
        if (p != null) {
            p.res.close();
        }
        p = new Primitives(new DnnlResources(dnnl), n);
        byBatch.put(n, p);
        return p;
    }

    /** One batch size's descriptors, primitives, memory objects and argument maps. */
    private final class Primitives {
        final DnnlResources res;
        final long inCount;
        final long outCount;
        /** The workspace's size in floats, rounded up (0 for average pooling). */
        final long workspaceFloats;
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        final memory workspace;
        final primitive train;
        final primitive infer;
        final primitive back;
        final IntMemoryMap trainArgs;
        final IntMemoryMap inferArgs;
        final IntMemoryMap backArgs;

        Primitives(DnnlResources res, int n) {
            this.res = res;
            this.inCount = (long) n * in.size();
            this.outCount = (long) n * out.size();
            memory.desc source = res.plain(n, in.channels(), in.height(), in.width());
            memory.desc dest = res.plain(n, out.channels(), out.height(), out.width());
            int algorithm = max ? dnnl_pooling_max : dnnl_pooling_avg_include_padding;
            long[] none = {0, 0};
            pooling_forward.primitive_desc trainPd = res.own(new pooling_forward.primitive_desc(res.own(
                    new pooling_forward.desc(dnnl_forward_training, algorithm, source, dest, stride, kernel, none,
                            none)), res.dnnl.cpu));
            pooling_forward.primitive_desc inferPd = res.own(new pooling_forward.primitive_desc(res.own(
                    new pooling_forward.desc(dnnl_forward_inference, algorithm, source, dest, stride, kernel, none,
                            none)), res.dnnl.cpu));
            pooling_backward.primitive_desc backPd = res.own(new pooling_backward.primitive_desc(res.own(
                    new pooling_backward.desc(algorithm, source, dest, stride, kernel, none, none)), res.dnnl.cpu,
                    trainPd));
            this.train = res.own(new pooling_forward(trainPd));
            this.infer = res.own(new pooling_forward(inferPd));
            this.back = res.own(new pooling_backward(backPd));
            this.src = res.memory(source);
            this.dst = res.memory(dest);
            this.diffDst = res.memory(dest);
            this.diffSrc = res.memory(source);
            this.inferArgs = res.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst);
            if (max) {
                memory.desc ws = res.own(trainPd.workspace_desc());
                this.workspaceFloats = (ws.get_size() + Float.BYTES - 1) / Float.BYTES;
                this.workspace = res.memory(ws);
                this.trainArgs = res.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_WORKSPACE, workspace);
                this.backArgs = res.args(DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc,
                        DNNL_ARG_WORKSPACE, workspace);
            } else {
                this.workspaceFloats = 0;
                this.workspace = null;
                this.trainArgs = inferArgs;
                this.backArgs = res.args(DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_DIFF_SRC, diffSrc);
            }
        }
    }

    @Override
    public void close() {
        for (Primitives p : byBatch.values()) {
            p.res.close();
        }
        byBatch.clear();
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }
}
