package org.sparkddp.worker.engine;

import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DIFF_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_DST;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_MEAN;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SCALE;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SHIFT;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_SRC;
import static org.bytedeco.dnnl.global.dnnl.DNNL_ARG_VARIANCE;
import static org.bytedeco.dnnl.global.dnnl.dnnl_backward;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_inference;
import static org.bytedeco.dnnl.global.dnnl.dnnl_forward_training;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_global_stats;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_scale;
import static org.bytedeco.dnnl.global.dnnl.dnnl_use_shift;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.memory;

/**
 * {@link BatchNormOp} through oneDNN's batch normalization, on images in oneDNN's blocked layout (where
 * {@link DnnlLayouts} keeps a convolution's output blocked) or plain NCHW ({@code [n, channels, height, width]}), or
 * on feature vectors ({@code [n, features]}): the same parameters, the same statistics, the same gradients
 * written into DL4J's views. Runs on an executor, on the task thread's oneDNN stream.
 *
 * <p>oneDNN reads gamma and beta in place ({@code use_scale}, {@code use_shift}), writes their gradients straight
 * into DL4J's gradient views, and returns the batch mean and biased variance of a training pass, from which the
 * running statistics' "gradients" are computed here ({@link BatchNormParameters}), as {@link BatchNormOp} does.
 * Inference normalizes by the running mean and variance (the latter from log10 of the standard deviation when
 * {@code useLogStd}). A backward pass follows a training forward pass on the same batch, as in {@link EngineLayer}.
 *
 * <p>The primitives are built once per batch size (the last batch of an epoch may be smaller) on the first pass, on
 * the JVM's engine, each with its own scratchpad ({@link DnnlBatchCache}), and run on the calling thread's stream.
 *
 * <p>Speed: oneDNN 2.5 vectorizes batch norm only for blocked and channels-last layouts; on NCHW it runs its
 * {@code ncsp_bnorm}, which took 1.6 to 2 times the CPU time of {@link BatchNormOp} (in either layout) at the shipped
 * CNN's shapes ({@code DnnlNormPoolTiming}). Feature vectors ({@code [n, features]}) run the same kernel. Networks
 * therefore use this op only on blocked images ({@link DnnlLayouts}); on plain ones they keep {@link BatchNormOp}.
 */
final class DnnlBatchNormOp implements DnnlLayouts.Op {
    private final Shape shape;
    private final BatchNormParameters p;
    /** Per channel, of the last training pass: oneDNN's batch mean and biased variance. Owned. */
    private final NativeFloats batchMean;
    private final NativeFloats batchVar;
    /** Per channel, the running variance inference normalizes by, when the log10 of the std is stored. Owned. */
    private final NativeFloats runningVar;
    private final DnnlBatchCache<DnnlPasses> byBatch = new DnnlBatchCache<>(this::name, this::build);
    /** The input gradient of a first layer, which nobody reads (oneDNN writes it anyway). Owned; grown on use. */
    private NativeFloats unusedGradIn;
    /** Images in oneDNN's blocked layout ({@link DnnlLayouts}) rather than plain NCHW. */
    private boolean blocked;

    DnnlBatchNormOp(Shape shape, double decay, double eps, boolean logStd, NativeFloats gamma, NativeFloats beta,
                    NativeFloats runningMean, NativeFloats runningSpread, NativeFloats gammaGradient,
                    NativeFloats betaGradient, NativeFloats meanGradient, NativeFloats spreadGradient) {
        this(shape, new BatchNormParameters(decay, eps, logStd, gamma, beta, runningMean, runningSpread,
                gammaGradient, betaGradient, meanGradient, spreadGradient));
    }

    DnnlBatchNormOp(Shape shape, BatchNormParameters p) {
        this.shape = shape;
        this.p = p;
        int c = shape.channels();
        for (NativeFloats v : new NativeFloats[] {p.gamma(), p.beta(), p.runningMean(), p.runningSpread(),
                p.gammaGradient(), p.betaGradient(), p.meanGradient(), p.spreadGradient()}) {
            if (v.length != c) {
                throw new IllegalArgumentException("batch norm over " + shape + " given a vector of " + v.length);
            }
        }
        this.batchMean = NativeFloats.allocate(c);
        this.batchVar = NativeFloats.allocate(c);
        this.runningVar = NativeFloats.allocate(c);
    }

    @Override
    public Shape out() {
        return shape;
    }

    @Override
    public boolean convertsLayout() {
        return false;
    }

    @Override
    public void useLayouts(boolean blockedIn, boolean blockedOut) {
        if (blockedIn != blockedOut || blockedIn && !shape.image()) {
            throw new IllegalArgumentException("batch norm from " + (blockedIn ? "blocked" : "plain") + " to "
                    + (blockedOut ? "blocked" : "plain") + " on " + shape);
        }
        this.blocked = blockedIn;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        if (!training && p.logStd()) {
            for (int c = 0; c < shape.channels(); c++) {
                runningVar.data.put(c, (float) p.runningVariance(c));
            }
        }
        byBatch.get(n).forward(x, y, training, null);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        DnnlPasses passes = byBatch.get(n);
        if (gradIn == null) {
            unusedGradIn = DnnlResources.atLeast(unusedGradIn, passes.inCount);
        }
        passes.backward(x, gradOut, gradIn != null ? gradIn : unusedGradIn, null);
        for (int c = 0; c < shape.channels(); c++) {
            p.writeRunningGradients(c, batchMean.data.get(c), batchVar.data.get(c));
        }
    }

    private String name() {
        return "batch norm " + shape;
    }

    /** Batch size {@code n}'s primitives: gamma and beta read in place, their gradients written in place. */
    private DnnlPasses build(DnnlResources res, int n) {
        int channels = shape.channels();
        memory.desc data = shape.image() ? res.image(blocked, n, shape) : res.plain(n, channels);
        memory.desc perChannel = res.plain(channels);
        int scaleShift = dnnl_use_scale | dnnl_use_shift;
        float eps = (float) p.eps();
        batch_normalization_forward.primitive_desc trainPd = res.own(
                new batch_normalization_forward.primitive_desc(res.own(new batch_normalization_forward.desc(
                        dnnl_forward_training, data, eps, scaleShift)), res.attr(), res.cpu));
        batch_normalization_forward.primitive_desc inferPd = res.own(
                new batch_normalization_forward.primitive_desc(res.own(new batch_normalization_forward.desc(
                        dnnl_forward_inference, data, eps, scaleShift | dnnl_use_global_stats)), res.attr(), res.cpu));
        batch_normalization_backward.primitive_desc backPd = res.own(
                new batch_normalization_backward.primitive_desc(res.own(new batch_normalization_backward.desc(
                        dnnl_backward, data, data, eps, scaleShift)), res.attr(), res.cpu, trainPd));
        Dnnl.sayKernels(name(), trainPd, inferPd, backPd);
        DnnlPasses passes = new DnnlPasses(res, data, data, null);
        memory scale = res.over(perChannel, p.gamma());
        memory shift = res.over(perChannel, p.beta());
        memory mean = res.over(perChannel, batchMean);
        memory variance = res.over(perChannel, batchVar);
        IntMemoryMap trainArgs = res.args(trainPd, DNNL_ARG_SRC, passes.src, DNNL_ARG_DST, passes.dst,
                DNNL_ARG_SCALE, scale, DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance);
        IntMemoryMap inferArgs = res.args(inferPd, DNNL_ARG_SRC, passes.src, DNNL_ARG_DST, passes.dst,
                DNNL_ARG_SCALE, scale, DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, res.over(perChannel, p.runningMean()),
                DNNL_ARG_VARIANCE, res.over(perChannel, p.logStd() ? runningVar : p.runningSpread()));
        // oneDNN 2.5 asks for the shift in the backward pass too (with use_shift), though its gradient needs none
        IntMemoryMap backArgs = res.args(backPd, DNNL_ARG_SRC, passes.src, DNNL_ARG_DIFF_DST, passes.diffDst,
                DNNL_ARG_SCALE, scale, DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance,
                DNNL_ARG_DIFF_SRC, passes.diffSrc, DNNL_ARG_DIFF_SCALE, res.over(perChannel, p.gammaGradient()),
                DNNL_ARG_DIFF_SHIFT, res.over(perChannel, p.betaGradient()));
        return passes.passes(res.own(new batch_normalization_forward(trainPd)), trainArgs,
                res.own(new batch_normalization_forward(inferPd)), inferArgs,
                res.own(new batch_normalization_backward(backPd)), backArgs);
    }

    @Override
    public void close() {
        byBatch.close();
        for (NativeFloats f : new NativeFloats[] {batchMean, batchVar, runningVar, unusedGradIn}) {
            if (f != null) {
                f.close();
            }
        }
    }
}
