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

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;

/**
 * {@link BatchNormOp} through oneDNN's batch normalization, on plain NCHW images ({@code [n, channels, height,
 * width]}) or feature vectors ({@code [n, features]}): the same parameters, the same statistics, the same gradients
 * written into DL4J's views. Runs on an executor, on the task thread's oneDNN stream.
 *
 * <p>oneDNN reads gamma and beta in place ({@code use_scale}, {@code use_shift}), writes their gradients straight
 * into DL4J's gradient views, and returns the batch mean and biased variance of a training pass, which the running
 * statistics' "gradients" are computed from here, as {@link BatchNormOp} computes them. Inference normalizes by the
 * running mean and variance (the latter from log10 of the standard deviation when {@code useLogStd}). A backward
 * pass follows a training forward pass on the same batch, as in {@link EngineLayer}.
 *
 * <p>The primitives are built once per batch size (the last batch of an epoch may be smaller) on the first pass, on
 * the calling thread's engine, and rebuilt only if another thread calls.
 *
 * <p>Speed: oneDNN 2.5 vectorizes batch norm only for blocked and channels-last layouts; on NCHW it runs its
 * {@code ncsp_bnorm}, which took 1.5 to 2 times the CPU time of {@link BatchNormOp} (in either layout) at the shipped
 * CNN's shapes ({@code DnnlNormPoolTiming}). Feature vectors ({@code [n, features]}) run the same kernel.
 */
final class DnnlBatchNormOp implements EngineLayer {
    private static final double ONE_ON_2LOGE_10 = 1.0 / (2 * Math.log(10.0));

    private final Shape shape;
    private final double decay;
    private final float eps;
    private final boolean logStd;
    private final NativeFloats gamma;
    private final NativeFloats beta;
    private final NativeFloats runningMean;
    /** log10 of the running standard deviation, or the running variance ({@link #logStd} false). */
    private final NativeFloats runningSpread;
    private final NativeFloats gammaGradient;
    private final NativeFloats betaGradient;
    private final NativeFloats meanGradient;
    private final NativeFloats spreadGradient;
    /** Per channel, of the last training pass: oneDNN's batch mean and biased variance. Owned. */
    private final NativeFloats batchMean;
    private final NativeFloats batchVar;
    /** Per channel, the running variance inference normalizes by, when {@link #logStd} (else unused). Owned. */
    private final NativeFloats runningVar;
    private final Map<Integer, Primitives> byBatch = new HashMap<>();
    /** The input gradient of a first layer, which nobody reads (oneDNN writes it anyway). Owned; grown on use. */
    private NativeFloats unusedGradIn;

    DnnlBatchNormOp(Shape shape, double decay, double eps, boolean logStd, NativeFloats gamma, NativeFloats beta,
                    NativeFloats runningMean, NativeFloats runningSpread, NativeFloats gammaGradient,
                    NativeFloats betaGradient, NativeFloats meanGradient, NativeFloats spreadGradient) {
        this.shape = shape;
        this.decay = decay;
        this.eps = (float) eps;
        this.logStd = logStd;
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningSpread = runningSpread;
        this.gammaGradient = gammaGradient;
        this.betaGradient = betaGradient;
        this.meanGradient = meanGradient;
        this.spreadGradient = spreadGradient;
        int c = shape.channels();
        for (NativeFloats v : new NativeFloats[] {gamma, beta, runningMean, runningSpread, gammaGradient,
                betaGradient, meanGradient, spreadGradient}) {
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
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        Primitives p = primitives(n);
        p.res.point(p.src, x, p.count);
        p.res.point(p.dst, y, p.count);
        if (training) {
            p.res.run(p.train, p.trainArgs);
            return;
        }
        if (logStd) {
            for (int c = 0; c < shape.channels(); c++) {
                runningVar.data.put(c, (float) runningVariance(c));
            }
        }
        p.res.run(p.infer, p.inferArgs);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        Primitives p = primitives(n);
        p.res.point(p.src, x, p.count);
        p.res.point(p.diffDst, gradOut, p.count);
        p.res.point(p.diffSrc, gradIn != null ? gradIn : unusedGradIn(p.count), p.count);
        p.res.run(p.back, p.backArgs);
        for (int c = 0; c < shape.channels(); c++) {
            runningGradients(c);
        }
    }

    private double runningVariance(int c) {
        double spread = runningSpread.data.get(c);
        if (!logStd) {
            return spread;
        }
        double std = Math.pow(10, spread);
        return std * std;
    }

    /** The running statistics' "gradients", as DL4J's backward pass writes them for its updater. */
    private void runningGradients(int c) {
        double running = runningMean.data.get(c);
        double mean = batchMean.data.get(c);
        double var = batchVar.data.get(c);
        meanGradient.data.put(c, (float) ((1 - decay) * (running - mean)));
        if (logStd) {
            double old = runningVariance(c);
            double next = decay * old + (1 - decay) * var;
            spreadGradient.data.put(c, (float) (Math.log(old / next) * ONE_ON_2LOGE_10));
        } else {
            spreadGradient.data.put(c, (float) ((1 - decay) * (runningSpread.data.get(c) - var)));
        }
    }

    private NativeFloats unusedGradIn(long count) {
        if (unusedGradIn == null || unusedGradIn.length < count) {
            if (unusedGradIn != null) {
                unusedGradIn.close();
            }
            unusedGradIn = NativeFloats.allocate(count);
        }
        return unusedGradIn;
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
        /** Floats in one batch's activations. */
        final long count;
        final memory src;
        final memory dst;
        final memory diffDst;
        final memory diffSrc;
        final primitive train;
        final primitive infer;
        final primitive back;
        final IntMemoryMap trainArgs;
        final IntMemoryMap inferArgs;
        final IntMemoryMap backArgs;

        Primitives(DnnlResources res, int n) {
            this.res = res;
            int channels = shape.channels();
            this.count = (long) n * shape.size();
            memory.desc data = shape.image() ? res.plain(n, channels, shape.height(), shape.width())
                    : res.plain(n, channels);
            memory.desc perChannel = res.plain(channels);
            int scaleShift = dnnl_use_scale | dnnl_use_shift;
            batch_normalization_forward.primitive_desc trainPd = res.own(
                    new batch_normalization_forward.primitive_desc(res.own(new batch_normalization_forward.desc(
                            dnnl_forward_training, data, eps, scaleShift)), res.dnnl.cpu));
            batch_normalization_forward.primitive_desc inferPd = res.own(
                    new batch_normalization_forward.primitive_desc(res.own(new batch_normalization_forward.desc(
                            dnnl_forward_inference, data, eps, scaleShift | dnnl_use_global_stats)),
                            res.dnnl.cpu));
            batch_normalization_backward.primitive_desc backPd = res.own(
                    new batch_normalization_backward.primitive_desc(res.own(new batch_normalization_backward.desc(
                            dnnl_backward, data, data, eps, scaleShift)), res.dnnl.cpu, trainPd));
            this.train = res.own(new batch_normalization_forward(trainPd));
            this.infer = res.own(new batch_normalization_forward(inferPd));
            this.back = res.own(new batch_normalization_backward(backPd));
            this.src = res.memory(data);
            this.dst = res.memory(data);
            this.diffDst = res.memory(data);
            this.diffSrc = res.memory(data);
            memory scale = res.over(perChannel, gamma);
            memory shift = res.over(perChannel, beta);
            memory mean = res.over(perChannel, batchMean);
            memory variance = res.over(perChannel, batchVar);
            this.trainArgs = res.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_SCALE, scale,
                    DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance);
            this.inferArgs = res.args(DNNL_ARG_SRC, src, DNNL_ARG_DST, dst, DNNL_ARG_SCALE, scale,
                    DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, res.over(perChannel, runningMean),
                    DNNL_ARG_VARIANCE, res.over(perChannel, logStd ? runningVar : runningSpread));
            // oneDNN 2.5 asks for the shift in the backward pass too (with use_shift), though its gradient needs none
            this.backArgs = res.args(DNNL_ARG_SRC, src, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_SCALE, scale,
                    DNNL_ARG_SHIFT, shift, DNNL_ARG_MEAN, mean, DNNL_ARG_VARIANCE, variance, DNNL_ARG_DIFF_SRC, diffSrc,
                    DNNL_ARG_DIFF_SCALE, res.over(perChannel, gammaGradient),
                    DNNL_ARG_DIFF_SHIFT, res.over(perChannel, betaGradient));
        }
    }

    @Override
    public void close() {
        for (Primitives p : byBatch.values()) {
            p.res.close();
        }
        byBatch.clear();
        for (NativeFloats f : new NativeFloats[] {batchMean, batchVar, runningVar, unusedGradIn}) {
            if (f != null) {
                f.close();
            }
        }
    }
}
