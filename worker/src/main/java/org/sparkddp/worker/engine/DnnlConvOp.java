package org.sparkddp.worker.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_WEIGHTS;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.global.dnnl.algorithm;
import org.bytedeco.dnnl.global.dnnl.prop_kind;
import org.bytedeco.dnnl.global.dnnl.scratchpad_mode;
import org.bytedeco.javacpp.Pointer;

/**
 * A 2-D convolution (bias, and its ReLU fused as a post-op where the layer has one) as DL4J's
 * {@code ConvolutionLayer} computes it, by oneDNN's primitives on the NCHW layout (see {@link ImageLayout}). Runs on
 * an executor, on the task's thread: oneDNN's OpenMP runtime reads {@code OMP_NUM_THREADS}, which executors get as
 * 1, so a rank computes on one core.
 *
 * <p>Why oneDNN: its JIT kernels run a convolution near the core's peak (about 140 GFLOP/s measured on the shipped
 * CNN's second convolution), where im2col and a BLAS product in Java reach a fraction of it. Why plain NCHW and
 * OIHW: they are DL4J's own orders, so activations, weights and gradients are used in place with no reorder.
 *
 * <p>Primitives are made once per batch size (the last batch of an epoch may be smaller), on the JVM's engine, and
 * run on the calling thread's stream (see {@link Dnnl}); each call only points their memory at this batch's
 * buffers. Backward writes DL4J's weight and bias gradients (oneDNN's backward-weights overwrites them), applies
 * ReLU's derivative to {@code gradOut} in place first, and skips backward-data for the first layer.
 */
final class DnnlConvOp implements EngineLayer {
    private final Shape in;
    private final Shape out;
    private final long[] kernel;
    private final long[] stride;
    private final long[] padTopLeft;
    private final long[] padBottomRight;
    private final boolean relu;
    private final NativeFloats weights;
    private final NativeFloats bias;
    private final NativeFloats weightGradient;
    private final NativeFloats biasGradient;
    private final Map<Integer, Plan> plans = new HashMap<>();

    /**
     * @param padTopLeft     DL4J's padding above and left
     * @param padBottomRight below and right: what the output size needs in "same" mode, the padding in "truncate"
     */
    DnnlConvOp(Shape in, Shape out, int[] kernel, int[] stride, int[] padTopLeft, int[] padBottomRight, boolean relu,
               NativeFloats weights, NativeFloats bias, NativeFloats weightGradient, NativeFloats biasGradient) {
        this.in = in;
        this.out = out;
        this.kernel = longs(kernel);
        this.stride = longs(stride);
        this.padTopLeft = longs(padTopLeft);
        this.padBottomRight = longs(padBottomRight);
        this.relu = relu;
        this.weights = weights;
        this.bias = bias;
        this.weightGradient = weightGradient;
        this.biasGradient = biasGradient;
    }

    private static long[] longs(int[] values) {
        return new long[] {values[0], values[1]};
    }

    @Override
    public Shape out() {
        return out;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        Plan plan = plan(n);
        var stream = Dnnl.forThread().stream;
        plan.src.set_data_handle(x.handle());
        plan.dst.set_data_handle(y.handle());
        plan.forward.execute(stream, plan.forwardArgs);
        stream._wait();
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        Plan plan = plan(n);
        var stream = Dnnl.forThread().stream;
        plan.src.set_data_handle(x.handle());
        plan.dst.set_data_handle(y.handle());
        plan.diffDst.set_data_handle(gradOut.handle());
        if (plan.reluBackward != null) {
            plan.reluBackward.execute(stream, plan.reluArgs); // in place: gradOut * (y > 0)
        }
        plan.backwardWeights.execute(stream, plan.weightArgs);
        if (gradIn != null) {
            plan.diffSrc.set_data_handle(gradIn.handle());
            plan.backwardData.execute(stream, plan.dataArgs);
        }
        stream._wait();
    }

    /** This batch size's primitives, made on first use. */
    private Plan plan(int n) {
        Plan plan = plans.get(n);
        if (plan == null) {
            plan = new Plan(n);
            plans.put(n, plan);
        }
        return plan;
    }

    /** The primitives, their memory objects and argument maps for one batch size; native, freed by close. */
    private final class Plan implements AutoCloseable {
        /** Everything made here, freed in reverse order. */
        private final List<Pointer> made = new ArrayList<>();
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        final primitive forward;
        final primitive backwardWeights;
        final primitive backwardData;
        final primitive reluBackward;
        final IntMemoryMap forwardArgs;
        final IntMemoryMap weightArgs;
        final IntMemoryMap dataArgs;
        final IntMemoryMap reluArgs;

        Plan(int n) {
            try {
                var cpu = Dnnl.forThread().cpu;
                memory.desc srcMd = keep(new memory.desc(new long[] {n, in.channels(), in.height(), in.width()},
                        memory.data_type.f32, memory.format_tag.nchw));
                memory.desc dstMd = keep(new memory.desc(new long[] {n, out.channels(), out.height(), out.width()},
                        memory.data_type.f32, memory.format_tag.nchw));
                memory.desc weightMd = keep(new memory.desc(new long[] {out.channels(), in.channels(), kernel[0],
                        kernel[1]}, memory.data_type.f32, memory.format_tag.oihw));
                memory.desc biasMd = keep(new memory.desc(new long[] {out.channels()}, memory.data_type.f32,
                        memory.format_tag.x));
                src = keep(new memory(srcMd, cpu, null));
                dst = keep(new memory(dstMd, cpu, null));
                diffDst = keep(new memory(dstMd, cpu, null));
                diffSrc = keep(new memory(srcMd, cpu, null));
                memory w = keep(new memory(weightMd, cpu, weights.handle()));
                memory b = keep(new memory(biasMd, cpu, bias.handle()));
                memory dW = keep(new memory(weightMd, cpu, weightGradient.handle()));
                memory db = keep(new memory(biasMd, cpu, biasGradient.handle()));

                // every primitive gets scratch memory of its own: oneDNN's default scratchpad is the creating
                // thread's, which another task thread must not use, and which goes when that thread ends
                primitive_attr attr = keep(new primitive_attr());
                attr.set_scratchpad_mode(scratchpad_mode.user);
                primitive_attr plain = keep(new primitive_attr());
                plain.set_scratchpad_mode(scratchpad_mode.user);
                if (relu) {
                    post_ops ops = keep(new post_ops());
                    ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                    attr.set_post_ops(ops);
                }
                var forwardPd = keep(new convolution_forward.primitive_desc(keep(new convolution_forward.desc(
                        prop_kind.forward_training, algorithm.convolution_direct, srcMd, weightMd, biasMd, dstMd,
                        stride, padTopLeft, padBottomRight)), attr, cpu));
                forward = keep(new convolution_forward(forwardPd));
                forwardArgs = scratch(forwardPd).put(DNNL_ARG_SRC, src).put(DNNL_ARG_WEIGHTS, w)
                        .put(DNNL_ARG_BIAS, b).put(DNNL_ARG_DST, dst);

                var weightPd = keep(new convolution_backward_weights.primitive_desc(keep(
                        new convolution_backward_weights.desc(algorithm.convolution_direct, srcMd, weightMd, biasMd,
                                dstMd, stride, padTopLeft, padBottomRight)), plain, cpu, forwardPd));
                backwardWeights = keep(new convolution_backward_weights(weightPd));
                weightArgs = scratch(weightPd).put(DNNL_ARG_SRC, src).put(DNNL_ARG_DIFF_DST, diffDst)
                        .put(DNNL_ARG_DIFF_WEIGHTS, dW).put(DNNL_ARG_DIFF_BIAS, db);

                var dataPd = keep(new convolution_backward_data.primitive_desc(keep(
                        new convolution_backward_data.desc(algorithm.convolution_direct, srcMd, weightMd, dstMd,
                                stride, padTopLeft, padBottomRight)), plain, cpu, forwardPd));
                backwardData = keep(new convolution_backward_data(dataPd));
                dataArgs = scratch(dataPd).put(DNNL_ARG_DIFF_DST, diffDst).put(DNNL_ARG_WEIGHTS, w)
                        .put(DNNL_ARG_DIFF_SRC, diffSrc);

                if (relu) {
                    // ReLU's derivative from its output (the output is all the forward pass keeps)
                    var hint = keep(new eltwise_forward.primitive_desc(keep(new eltwise_forward.desc(
                            prop_kind.forward_training, algorithm.eltwise_relu_use_dst_for_bwd, dstMd, 0f, 0f)), plain,
                            cpu));
                    var reluPd = keep(new eltwise_backward.primitive_desc(keep(new eltwise_backward.desc(
                            algorithm.eltwise_relu_use_dst_for_bwd, dstMd, dstMd, 0f, 0f)), plain, cpu, hint));
                    reluBackward = keep(new eltwise_backward(reluPd));
                    reluArgs = scratch(reluPd).put(DNNL_ARG_DST, dst).put(DNNL_ARG_DIFF_DST, diffDst)
                            .put(DNNL_ARG_DIFF_SRC, diffDst);
                } else {
                    reluBackward = null;
                    reluArgs = null;
                }
                Dnnl.sayKernels("convolution " + in + " -> " + out, forwardPd, weightPd, dataPd);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /** An argument map holding a scratchpad of the size {@code pd} asks for, allocated by oneDNN, freed in close. */
        private IntMemoryMap scratch(primitive_desc_base pd) {
            memory scratchpad = keep(new memory(keep(pd.scratchpad_desc()), Dnnl.forThread().cpu));
            return keep(new IntMemoryMap()).put(DNNL_ARG_SCRATCHPAD, scratchpad);
        }

        private <P extends Pointer> P keep(P pointer) {
            made.add(pointer);
            return pointer;
        }

        @Override
        public void close() {
            for (int i = made.size() - 1; i >= 0; i--) {
                made.get(i).close();
            }
            made.clear();
        }
    }

    @Override
    public void close() {
        plans.values().forEach(Plan::close);
        plans.clear();
    }
}
