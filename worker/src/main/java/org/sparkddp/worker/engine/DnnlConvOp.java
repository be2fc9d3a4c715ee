package org.sparkddp.worker.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_BIAS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_WEIGHTS;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_FROM;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCRATCHPAD;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_TO;
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
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.primitive_desc_base;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
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
 * <p>Why oneDNN: its AVX-512 direct kernels ran the shipped CNN's second convolution at about 105 GFLOP/s on one
 * thread, reorders included, against 70-75 for the Java op's im2col and OpenBLAS products, and the first (one input
 * channel) in under half the Java op's time (docs/BENCHMARKS.md). Weights and their gradients stay in DL4J's OIHW
 * order; the input and output activations (and their gradients) are plain NCHW or oneDNN's blocked {@code nChw16c},
 * as {@link DnnlLayouts} chose for the network; any other layout the kernels run on is this op's copy (see
 * {@link Plan}).
 *
 * <p>Primitives are made once per batch size (the last batch of an epoch may be smaller), on the JVM's engine, and
 * run on the calling thread's stream (see {@link Dnnl}); each call only points their memory at this batch's
 * buffers. Backward writes DL4J's weight and bias gradients (oneDNN's backward-weights overwrites them), applies
 * ReLU's derivative to {@code gradOut} in place first, and skips backward-data for the first layer.
 */
final class DnnlConvOp implements DnnlLayouts.Op {
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
    /** The op in messages: "convolution 16x14x14 -> 32x14x14". */
    private final String name;
    /** The activations' layouts, blocked or plain NCHW, as {@link DnnlLayouts} chose (plain until it does). */
    private boolean blockedIn;
    private boolean blockedOut;

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
        this.name = "convolution " + in + " -> " + out;
    }

    private static long[] longs(int[] values) {
        return new long[] {values[0], values[1]};
    }

    @Override
    public Shape out() {
        return out;
    }

    @Override
    public boolean convertsLayout() {
        return true;
    }

    @Override
    public void useLayouts(boolean blockedIn, boolean blockedOut) {
        if (!plans.isEmpty()) {
            throw new IllegalStateException("layouts set after the first pass");
        }
        this.blockedIn = blockedIn;
        this.blockedOut = blockedOut;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        Plan plan = plan(n);
        var stream = Dnnl.forThread().stream;
        bind(plan.src, plan.inFloats, x);
        bind(plan.dst, plan.outFloats, y);
        plan.run(plan.forward, stream);
        stream._wait();
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        Plan plan = plan(n);
        var stream = Dnnl.forThread().stream;
        bind(plan.src, plan.inFloats, x);
        bind(plan.dst, plan.outFloats, y);
        bind(plan.diffDst, plan.outFloats, gradOut);
        if (plan.reluBackward != null) {
            plan.reluBackward.execute(stream, plan.reluArgs); // in place: gradOut * (y > 0)
        }
        plan.run(plan.backwardWeights, stream);
        if (gradIn != null) {
            bind(plan.diffSrc, plan.inFloats, gradIn);
            plan.run(plan.backwardData, stream);
        }
        stream._wait();
    }

    /** Points {@code m}, of {@code count} floats, at {@code buffer}, checked ({@link DnnlResources#bind}). */
    private void bind(memory m, long count, NativeFloats buffer) {
        DnnlResources.bind(m, count, buffer, name);
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

    /** One primitive and its arguments. */
    private record Step(primitive primitive, IntMemoryMap args) {
    }

    /**
     * The primitives, their memory objects and argument maps for one batch size; native, freed by close.
     *
     * <p>The convolutions choose their own (blocked) layouts ({@code format_tag.any}): oneDNN's direct JIT kernels
     * run on those, several times faster on one core than its GEMM kernel on plain NCHW. Each pass therefore
     * reorders its inputs in and its outputs back where they differ from the network's layouts, into memory this
     * plan owns (none for activations that {@link DnnlLayouts} kept blocked, where the kernel's layout is theirs); backward reuses what
     * forward reordered (the input, the weights, which no update changes in between) where the layouts agree.
     */
    private final class Plan implements AutoCloseable {
        /** Everything made here, freed in reverse order. */
        private final List<Pointer> made = new ArrayList<>();
        private final engine cpu = Dnnl.forThread().cpu;
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        /** Floats in one batch's input and output: their descriptors' sizes. */
        final long inFloats;
        final long outFloats;
        final List<Step> forward = new ArrayList<>();
        final List<Step> backwardWeights = new ArrayList<>();
        final List<Step> backwardData = new ArrayList<>();
        final primitive reluBackward;
        final IntMemoryMap reluArgs;

        Plan(int n) {
            try {
                long[] srcDims = {n, in.channels(), in.height(), in.width()};
                long[] dstDims = {n, out.channels(), out.height(), out.width()};
                long[] weightDims = {out.channels(), in.channels(), kernel[0], kernel[1]};
                memory.desc srcMd = desc(srcDims, blockedIn ? memory.format_tag.nChw16c : memory.format_tag.nchw);
                memory.desc dstMd = desc(dstDims, blockedOut ? memory.format_tag.nChw16c : memory.format_tag.nchw);
                memory.desc weightMd = desc(weightDims, memory.format_tag.oihw);
                memory.desc biasMd = desc(new long[] {out.channels()}, memory.format_tag.x);
                memory.desc anySrc = desc(srcDims, memory.format_tag.any);
                memory.desc anyDst = desc(dstDims, memory.format_tag.any);
                memory.desc anyWeights = desc(weightDims, memory.format_tag.any);
                inFloats = DnnlResources.floats(srcMd);
                outFloats = DnnlResources.floats(dstMd);
                src = keep(new memory(srcMd, cpu, null));
                dst = keep(new memory(dstMd, cpu, null));
                diffDst = keep(new memory(dstMd, cpu, null));
                diffSrc = keep(new memory(srcMd, cpu, null));
                memory w = keep(new memory(weightMd, cpu, DnnlResources.handle(weightMd, weights, name)));
                memory b = keep(new memory(biasMd, cpu, DnnlResources.handle(biasMd, bias, name)));
                memory dW = keep(new memory(weightMd, cpu, DnnlResources.handle(weightMd, weightGradient, name)));
                memory db = keep(new memory(biasMd, cpu, DnnlResources.handle(biasMd, biasGradient, name)));

                primitive_attr attr = userScratchpad();
                if (relu) {
                    post_ops ops = keep(new post_ops());
                    ops.append_eltwise(1f, algorithm.eltwise_relu, 0f, 0f);
                    attr.set_post_ops(ops);
                }
                primitive_attr plain = userScratchpad();
                var forwardPd = keep(new convolution_forward.primitive_desc(keep(new convolution_forward.desc(
                        prop_kind.forward_training, algorithm.convolution_direct, anySrc, anyWeights, biasMd, anyDst,
                        stride, padTopLeft, padBottomRight)), attr, cpu));
                var weightPd = keep(new convolution_backward_weights.primitive_desc(keep(
                        new convolution_backward_weights.desc(algorithm.convolution_direct, anySrc, anyWeights, biasMd,
                                anyDst, stride, padTopLeft, padBottomRight)), plain, cpu, forwardPd));
                var dataPd = keep(new convolution_backward_data.primitive_desc(keep(
                        new convolution_backward_data.desc(algorithm.convolution_direct, anySrc, anyWeights, anyDst,
                                stride, padTopLeft, padBottomRight)), plain, cpu, forwardPd));

                memory fSrc = in(keep(forwardPd.src_desc()), src, null, forward);
                memory fWeights = in(keep(forwardPd.weights_desc()), w, null, forward);
                memory fDst = internal(keep(forwardPd.dst_desc()), dst);
                step(forward, keep(new convolution_forward(forwardPd)), forwardPd, DNNL_ARG_SRC, fSrc,
                        DNNL_ARG_WEIGHTS, fWeights, DNNL_ARG_BIAS, b, DNNL_ARG_DST, fDst);
                out(fDst, dst, forward);

                memory wSrc = in(keep(weightPd.src_desc()), src, fSrc, backwardWeights);
                memory wDiffDst = in(keep(weightPd.diff_dst_desc()), diffDst, null, backwardWeights);
                memory wDiffWeights = internal(keep(weightPd.diff_weights_desc()), dW);
                step(backwardWeights, keep(new convolution_backward_weights(weightPd)), weightPd, DNNL_ARG_SRC,
                        wSrc, DNNL_ARG_DIFF_DST, wDiffDst, DNNL_ARG_DIFF_WEIGHTS, wDiffWeights, DNNL_ARG_DIFF_BIAS,
                        db);
                out(wDiffWeights, dW, backwardWeights);

                memory dDiffDst = in(keep(dataPd.diff_dst_desc()), diffDst, wDiffDst, backwardData);
                memory dWeights = in(keep(dataPd.weights_desc()), w, fWeights, backwardData);
                memory dDiffSrc = internal(keep(dataPd.diff_src_desc()), diffSrc);
                step(backwardData, keep(new convolution_backward_data(dataPd)), dataPd, DNNL_ARG_DIFF_DST, dDiffDst,
                        DNNL_ARG_WEIGHTS, dWeights, DNNL_ARG_DIFF_SRC, dDiffSrc);
                out(dDiffSrc, diffSrc, backwardData);

                if (relu) {
                    // ReLU's derivative from its output (the output is all the forward pass keeps), in the output's layout
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
                Dnnl.sayKernels(name, forwardPd, weightPd, dataPd);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        void run(List<Step> steps, stream stream) {
            for (Step step : steps) {
                step.primitive.execute(stream, step.args);
            }
        }

        private memory.desc desc(long[] dims, memory.format_tag tag) {
            return keep(new memory.desc(dims, memory.data_type.f32, tag));
        }

        /** Every primitive gets scratch memory of its own: oneDNN's default is the creating thread's (see close). */
        private primitive_attr userScratchpad() {
            primitive_attr attr = keep(new primitive_attr());
            attr.set_scratchpad_mode(scratchpad_mode.user);
            return attr;
        }

        /**
         * The memory a primitive reads as {@code wanted}: the plain one itself, or {@code earlier} (reordered by an
         * earlier pass of the same step) where its layout is the one wanted, or memory of this plan's that a reorder
         * added to {@code steps} fills from the plain one.
         */
        private memory in(memory.desc wanted, memory plainMemory, memory earlier, List<Step> steps) {
            if (wanted.equals(plainMemory.get_desc())) {
                return plainMemory;
            }
            if (earlier != null && wanted.equals(earlier.get_desc())) {
                return earlier;
            }
            memory inner = keep(new memory(wanted, cpu));
            reorder(plainMemory, inner, steps);
            return inner;
        }

        /** The memory a primitive writes as {@code wanted}: the plain one itself, or this plan's own. */
        private memory internal(memory.desc wanted, memory plainMemory) {
            return wanted.equals(plainMemory.get_desc()) ? plainMemory : keep(new memory(wanted, cpu));
        }

        /** Adds the reorder from what a primitive wrote back to the plain memory, where they differ. */
        private void out(memory written, memory plainMemory, List<Step> steps) {
            if (written != plainMemory) {
                reorder(written, plainMemory, steps);
            }
        }

        private void reorder(memory from, memory to, List<Step> steps) {
            var pd = keep(new reorder.primitive_desc(from, to, userScratchpad(), false));
            step(steps, keep(new reorder(pd)), pd, DNNL_ARG_FROM, from, DNNL_ARG_TO, to);
        }

        /** Appends {@code primitive} with its scratchpad and the (argument, memory) pairs given. */
        private void step(List<Step> steps, primitive primitive, primitive_desc_base pd, Object... args) {
            IntMemoryMap map = scratch(pd);
            for (int i = 0; i < args.length; i += 2) {
                map.put((Integer) args[i], (memory) args[i + 1]);
            }
            steps.add(new Step(primitive, map));
        }

        /** An argument map holding a scratchpad of the size {@code pd} asks for, allocated by oneDNN, freed in close. */
        private IntMemoryMap scratch(primitive_desc_base pd) {
            memory scratchpad = keep(new memory(keep(pd.scratchpad_desc()), cpu));
            return keep(new IntMemoryMap()).put(DNNL_ARG_SCRATCHPAD, scratchpad);
        }

        private <P extends Pointer> P keep(P pointer) {
            made.add(pointer);
            return pointer;
        }

        /**
         * Frees everything in reverse order of making. NOTE: with its default scratchpad, oneDNN counts a primitive's
         * use of the making thread's scratchpad in that thread's storage and frees it from the freeing thread's:
         * freeing on another task thread corrupted the heap (measured), hence user scratchpads throughout.
         */
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
