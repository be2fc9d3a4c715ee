package org.sparkddp.worker.engine;

/**
 * Batch normalization as DL4J's {@code BatchNormalization} layer computes it, per channel of an image (over the batch
 * and every position) or per feature of a vector (over the batch). Runs on an executor.
 *
 * <p>Training normalizes by the batch mean and biased variance; inference by the running statistics. The running
 * statistics are parameters that DL4J's updater moves by a "gradient" the layer writes, and this op writes the same
 * one ({@link BatchNormParameters} says which).
 */
final class BatchNormOp implements EngineLayer {
    private final Shape shape;
    /** Images as {@code [n, channels, height, width]}: a channel is {@code n} runs of a plane, not one run. */
    private final boolean nchw;
    private final BatchNormParameters p;
    /** Per channel, of the last forward pass: the mean and 1/std it normalized by, and the batch variance. */
    private final float[] mean;
    private final float[] invStd;
    private final double[] batchVar;
    /** The two sums of {@link #shiftedSums} or {@link #gradientSums}. */
    private final double[] pair = new double[2];
    /** One channel's input and gradient, as Java arrays. */
    private final float[][] scratch = {new float[0], new float[0]};

    BatchNormOp(Shape shape, double decay, double eps, boolean logStd, NativeFloats gamma, NativeFloats beta,
                NativeFloats runningMean, NativeFloats runningSpread, NativeFloats gammaGradient,
                NativeFloats betaGradient, NativeFloats meanGradient, NativeFloats spreadGradient) {
        this(shape, decay, eps, logStd, gamma, beta, runningMean, runningSpread, gammaGradient, betaGradient,
                meanGradient, spreadGradient, false);
    }

    /**
     * @param nchw images in oneDNN's plain NCHW layout ({@code [n, channels, height, width]}) rather than
     *             channel-major: oneDNN 2.5 has no vectorized batch norm for NCHW (its {@code ncsp_bnorm} took twice
     *             this op's time at the shipped CNN's shapes, see {@link DnnlBatchNormOp})
     */
    BatchNormOp(Shape shape, double decay, double eps, boolean logStd, NativeFloats gamma, NativeFloats beta,
                NativeFloats runningMean, NativeFloats runningSpread, NativeFloats gammaGradient,
                NativeFloats betaGradient, NativeFloats meanGradient, NativeFloats spreadGradient, boolean nchw) {
        this.shape = shape;
        this.nchw = nchw && shape.image();
        this.p = new BatchNormParameters(decay, eps, logStd, gamma, beta, runningMean, runningSpread, gammaGradient,
                betaGradient, meanGradient, spreadGradient);
        this.mean = new float[shape.channels()];
        this.invStd = new float[shape.channels()];
        this.batchVar = new double[shape.channels()];
    }

    @Override
    public Shape out() {
        return shape;
    }

    /** Whether this op runs on NCHW images (where {@link DnnlLayouts} may hand it to oneDNN's blocked kernel). */
    boolean nchwImages() {
        return nchw;
    }

    BatchNormParameters parameters() {
        return p;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        int channels = shape.channels();
        int m = n * shape.plane();
        float[] xs = scratch(0, m);
        for (int c = 0; c < channels; c++) {
            read(x, xs, c, n);
            double mu;
            double var;
            if (training) {
                // one pass: the sum and the sum of squares around the first element (shifted, so no cancellation)
                float shift = xs[0];
                double[] sums = shiftedSums(xs, m, shift);
                double sum = sums[0];
                double squares = sums[1];
                double dMean = sum / m;
                mu = shift + dMean;
                var = Math.max(0, squares / m - dMean * dMean);
                batchVar[c] = var;
            } else {
                mu = p.runningMean().data.get(c);
                var = p.runningVariance(c);
            }
            float inv = (float) (1 / Math.sqrt(var + p.eps()));
            float mf = (float) mu;
            mean[c] = mf;
            invStd[c] = inv;
            float scale = p.gamma().data.get(c) * inv;
            float shiftOut = p.beta().data.get(c) - mf * scale;
            for (int e = 0; e < m; e++) {
                xs[e] = xs[e] * scale + shiftOut;
            }
            write(xs, y, c, n);
        }
    }

    /**
     * Channel {@code c}'s {@code n * plane} values into {@code to}: one bulk copy of a contiguous run for images
     * (channel-major), one per example for NCHW images, a strided gather for vectors ({@code [n, features]}).
     * Working on one channel in a Java array keeps it in cache across the passes over it.
     */
    private void read(NativeFloats from, float[] to, int c, int n) {
        int m = n * shape.plane();
        if (nchw) {
            int plane = shape.plane();
            for (int e = 0; e < n; e++) {
                from.data.get((e * shape.channels() + c) * plane, to, e * plane, plane);
            }
            return;
        }
        if (shape.image()) {
            from.data.get(c * m, to, 0, m);
            return;
        }
        int step = shape.channels();
        for (int e = 0; e < m; e++) {
            to[e] = from.data.get(e * step + c);
        }
    }

    private void write(float[] from, NativeFloats to, int c, int n) {
        int m = n * shape.plane();
        if (nchw) {
            int plane = shape.plane();
            for (int e = 0; e < n; e++) {
                to.data.put((e * shape.channels() + c) * plane, from, e * plane, plane);
            }
            return;
        }
        if (shape.image()) {
            to.data.put(c * m, from, 0, m);
            return;
        }
        int step = shape.channels();
        for (int e = 0; e < m; e++) {
            to.data.put(e * step + c, from[e]);
        }
    }

    private float[] scratch(int which, int m) {
        if (scratch[which].length < m) {
            scratch[which] = new float[m];
        }
        return scratch[which];
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        int channels = shape.channels();
        int m = n * shape.plane();
        float[] xs = scratch(0, m);
        float[] gs = scratch(1, m);
        for (int c = 0; c < channels; c++) {
            read(x, xs, c, n);
            read(gradOut, gs, c, n);
            float mu = mean[c];
            float inv = invStd[c];
            double[] sums = gradientSums(gs, xs, m, mu, inv);
            double sumG = sums[0];
            double sumGXhat = sums[1];
            p.betaGradient().data.put(c, (float) sumG);
            p.gammaGradient().data.put(c, (float) sumGXhat);
            p.writeRunningGradients(c, mean[c], batchVar[c]);
            if (gradIn == null) {
                continue;
            }
            // dx = gamma / std * (g - mean(g) - xhat * mean(g * xhat))
            float k = p.gamma().data.get(c) * inv;
            float meanG = (float) (sumG / m);
            float meanGXhat = (float) (sumGXhat / m);
            for (int e = 0; e < m; e++) {
                float xhat = (xs[e] - mu) * inv;
                gs[e] = k * (gs[e] - meanG - xhat * meanGXhat);
            }
            write(gs, gradIn, c, n);
        }
    }

    /**
     * The sum of {@code x[e] - shift} and of its square over {@code e < m}, in double. Four running sums each, not
     * one: a single sum waits on its own previous add every element (the profile showed these passes latency-bound).
     */
    private double[] shiftedSums(float[] x, int m, float shift) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        int e = 0;
        for (; e + 4 <= m; e += 4) {
            double d0 = x[e] - shift, d1 = x[e + 1] - shift, d2 = x[e + 2] - shift, d3 = x[e + 3] - shift;
            s0 += d0;
            s1 += d1;
            s2 += d2;
            s3 += d3;
            q0 += d0 * d0;
            q1 += d1 * d1;
            q2 += d2 * d2;
            q3 += d3 * d3;
        }
        double sum = (s0 + s1) + (s2 + s3);
        double squares = (q0 + q1) + (q2 + q3);
        for (; e < m; e++) {
            double d = x[e] - shift;
            sum += d;
            squares += d * d;
        }
        pair[0] = sum;
        pair[1] = squares;
        return pair;
    }

    /** The sum of {@code g[e]} and of {@code g[e] * xhat[e]} over {@code e < m}, four running sums each. */
    private double[] gradientSums(float[] g, float[] x, int m, float mu, float inv) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
        int e = 0;
        for (; e + 4 <= m; e += 4) {
            float g0 = g[e], g1 = g[e + 1], g2 = g[e + 2], g3 = g[e + 3];
            s0 += g0;
            s1 += g1;
            s2 += g2;
            s3 += g3;
            q0 += g0 * ((x[e] - mu) * inv);
            q1 += g1 * ((x[e + 1] - mu) * inv);
            q2 += g2 * ((x[e + 2] - mu) * inv);
            q3 += g3 * ((x[e + 3] - mu) * inv);
        }
        double sum = (s0 + s1) + (s2 + s3);
        double products = (q0 + q1) + (q2 + q3);
        for (; e < m; e++) {
            sum += g[e];
            products += g[e] * ((x[e] - mu) * inv);
        }
        pair[0] = sum;
        pair[1] = products;
        return pair;
    }
}
