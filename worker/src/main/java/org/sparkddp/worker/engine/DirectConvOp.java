package org.sparkddp.worker.engine;

import java.util.Arrays;

/**
 * A stride-1 convolution on an input of few channels (a network's first layer on grey or colour images), computed
 * directly instead of as im2col and a matrix product: the same numbers as {@link ConvOp} (DL4J's
 * {@code ConvolutionLayer}, NCHW, dilation 1), with its ReLU when it has one. Runs on an executor.
 *
 * <p>Why: with one input channel and a 3x3 kernel the product has only 9 rows, so {@link ConvOp}'s im2col writes 9
 * copies of the input and the product is a memory-bound pass over them; the profile put this layer at a quarter of
 * the shipped CNN's step. Here each example's input is copied once into a zero-padded plane ({@code Hp x Wp}, the
 * padding DL4J's output size needs) kept for the backward pass, and every output plane is a sum of {@code C*kH*kW}
 * shifted copies of it, scaled by one weight each. The trick that makes the loops long and vectorizable: an output
 * position {@code (r, j)} is computed at {@code r*Wp + j} of a "wide" plane, whose {@code kW - 1} extra columns per
 * row are computed and dropped, so the shifted copy for kernel offset {@code (kh, kw)} is the padded plane read from
 * {@code kh*Wp + kw} on, one flat loop per offset. The backward pass runs the same loops transposed: the weight
 * gradient as running sums per offset and position (summed across positions at the end), the input gradient as
 * scaled adds into a padded plane.
 */
final class DirectConvOp implements EngineLayer {
    private final Shape in;
    private final Shape out;
    private final int kH;
    private final int kW;
    private final int pH;
    private final int pW;
    private final boolean relu;
    private final NativeFloats weights;
    private final NativeFloats bias;
    private final NativeFloats weightGradient;
    private final NativeFloats biasGradient;
    /** Padded width and height, floats per padded plane, and the length of a wide output plane. */
    private final int wp;
    private final int padPlane;
    private final int wide;
    /** Kernel offsets per filter: {@code C * kH * kW}, and each one's shift into the padded plane. */
    private final int taps;
    private final int[] shift;
    /** Of the last forward pass: every example's padded input, {@code [n][C][padPlane]}. */
    private float[] padded = new float[0];
    /** The input (or its gradient) of one batch, in the engine's layout; and the padded input gradient. */
    private float[] image = new float[0];
    private float[] paddedGrad = new float[0];
    private final float[] w;
    private final float[] b;
    private final float[] acc;
    private final float[] plane;
    private final float[] mask;
    /**
     * Per filter and offset ({@code f * taps + t}), per wide position: running sums of the weight gradient over the
     * examples (about 1 MiB for the shipped CNN's first layer: every filter's, so that the examples can be the outer
     * loop).
     */
    private final float[][] tapSums;
    /** The same for the bias gradient (a one-element sum per position is a vectorized add; one running sum is not). */
    private final float[][] biasSums;
    /**
     * Per offset, one example's padded input read from that offset's shift: copies, because the loops over them
     * then index every array alike, which C2 vectorizes (with a shifted index into the padded plane it does not).
     */
    private final float[][] columns;

    DirectConvOp(Shape in, Shape out, int[] kernel, int[] padTopLeft, boolean relu, NativeFloats weights,
                 NativeFloats bias, NativeFloats weightGradient, NativeFloats biasGradient) {
        this.in = in;
        this.out = out;
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.pH = padTopLeft[0];
        this.pW = padTopLeft[1];
        this.relu = relu;
        this.weights = weights;
        this.bias = bias;
        this.weightGradient = weightGradient;
        this.biasGradient = biasGradient;
        int hp = out.height() + kH - 1;
        this.wp = out.width() + kW - 1;
        this.padPlane = hp * wp;
        this.wide = (out.height() - 1) * wp + out.width();
        this.taps = in.channels() * kH * kW;
        this.shift = new int[taps];
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    shift[(c * kH + kh) * kW + kw] = c * padPlane + kh * wp + kw;
                }
            }
        }
        this.w = new float[out.channels() * taps];
        this.b = new float[out.channels()];
        this.acc = new float[wide];
        this.plane = new float[out.plane()];
        this.mask = new float[out.plane()];
        this.tapSums = new float[out.channels() * taps][wide];
        this.biasSums = new float[out.channels()][wide];
        this.columns = new float[taps][wide];
    }

    /** Whether this kernel computes a convolution of {@code channels} inputs with this stride. */
    static boolean covers(int channels, int[] stride) {
        return channels <= 3 && stride[0] == 1 && stride[1] == 1;
    }

    @Override
    public Shape out() {
        return out;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        pad(x, n);
        weights.data.get(0, w, 0, w.length);
        bias.data.get(0, b, 0, b.length);
        int ow = out.width();
        int filters = out.channels();
        int inStride = in.channels() * padPlane;
        for (int i = 0; i < n; i++) {
            shifted(i * inStride);
            for (int f = 0; f < filters; f++) {
                Arrays.fill(acc, 0, wide, 0f);
                int t = 0;
                for (; t + 3 <= taps; t += 3) {
                    int at = f * taps + t;
                    axpy3(w[at], columns[t], w[at + 1], columns[t + 1], w[at + 2], columns[t + 2], acc, wide);
                }
                for (; t < taps; t++) {
                    axpy(w[f * taps + t], columns[t], acc, wide);
                }
                // bias (and ReLU) over the whole wide plane in one long loop, then its rows into place: per row,
                // loops of one row's length ran mostly in their scalar prologue and epilogue
                if (relu) {
                    ReluKernels.biasRelu(acc, 0, b[f], acc, 0, wide);
                } else {
                    addBias(acc, 0, b[f], acc, 0, wide);
                }
                for (int r = 0; r < out.height(); r++) {
                    System.arraycopy(acc, r * wp, plane, r * ow, ow);
                }
                y.data.put((f * n + i) * out.plane(), plane, 0, out.plane());
            }
        }
    }

    /**
     * {@code y[p] += a * x[p]}, fused (one rounding), offset by offset from zero and the bias added after: the order
     * and rounding of the BLAS kernel that DL4J's im2col product runs, so that the outputs match DL4J's to the bit as
     * far as that kernel allows (Adam, in the equivalence tests, turns tiny differences in near-zero gradients into
     * whole steps). The inner loops are methods of their own: compiled on their own they are vectorized, where inside
     * one long-running pass (compiled on stack replacement) they may not be.
     */
    private static void axpy(float a, float[] x, float[] y, int count) {
        for (int p = 0; p < count; p++) {
            y[p] = Math.fma(a, x[p], y[p]);
        }
    }

    /**
     * {@link #axpy} for three offsets in one pass, in the same order and rounding: each position's sum is loaded and
     * stored once per three multiply-adds instead of once per one (the loop was bound by those loads and stores).
     */
    private static void axpy3(float a0, float[] x0, float a1, float[] x1, float a2, float[] x2, float[] y,
                              int count) {
        for (int p = 0; p < count; p++) {
            y[p] = Math.fma(a2, x2[p], Math.fma(a1, x1[p], Math.fma(a0, x0[p], y[p])));
        }
    }

    /** {@code dst[at + j] = src[from + j] + bias}. */
    private static void addBias(float[] src, int from, float bias, float[] dst, int at, int count) {
        for (int j = 0; j < count; j++) {
            dst[at + j] = src[from + j] + bias;
        }
    }

    /** {@code sums[p] += x[p] * y[p]}. */
    private static void multiplyAdd(float[] x, float[] y, float[] sums, int count) {
        for (int p = 0; p < count; p++) {
            sums[p] += x[p] * y[p];
        }
    }

    /** {@code sums[p] += x[p]}. */
    private static void add(float[] x, float[] sums, int count) {
        for (int p = 0; p < count; p++) {
            sums[p] += x[p];
        }
    }

    /** Fills {@link #columns} from the example whose padded planes start at {@code base}. */
    private void shifted(int base) {
        for (int t = 0; t < taps; t++) {
            System.arraycopy(padded, base + shift[t], columns[t], 0, wide);
        }
    }

    /** Copies the batch into {@link #padded}: each example's channels, zero around, as the output size needs. */
    private void pad(NativeFloats x, int n) {
        int channels = in.channels();
        int h = in.height();
        int width = in.width();
        if (padded.length < n * channels * padPlane) {
            padded = new float[n * channels * padPlane];
            image = new float[n * in.size()];
        }
        x.data.get(0, image, 0, n * in.size());
        Arrays.fill(padded, 0, n * channels * padPlane, 0f);
        int hp = padPlane / wp;
        int rows = Math.min(h, hp - pH);
        int cols = Math.min(width, wp - pW);
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                int src = (c * n + i) * h * width;
                int dst = (i * channels + c) * padPlane + pH * wp + pW;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(image, src + r * width, padded, dst + r * wp, cols);
                }
            }
        }
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        int filters = out.channels();
        int ow = out.width();
        int inStride = in.channels() * padPlane;
        weights.data.get(0, w, 0, w.length);
        if (gradIn != null) {
            if (paddedGrad.length < n * inStride) {
                paddedGrad = new float[n * inStride];
            }
            Arrays.fill(paddedGrad, 0, n * inStride, 0f);
        }
        float[] g = acc; // the wide gradient of one output plane, zero in the dropped columns
        Arrays.fill(g, 0, wide, 0f);
        for (float[] sums : tapSums) {
            Arrays.fill(sums, 0f);
        }
        for (float[] sums : biasSums) {
            Arrays.fill(sums, 0f);
        }
        // examples outer, filters inner: an example's shifted copies are made once, not once per filter
        for (int i = 0; i < n; i++) {
            int base = i * inStride;
            shifted(base);
            for (int f = 0; f < filters; f++) {
                int at = (f * n + i) * out.plane();
                gradOut.data.get(at, plane, 0, out.plane());
                if (relu) {
                    // ReLU's derivative from its output (> 0 exactly where the input was), 0 at 0 as DL4J's
                    y.data.get(at, mask, 0, out.plane());
                    ReluKernels.maskByOutput(plane, mask, out.plane());
                }
                for (int r = 0; r < out.height(); r++) {
                    System.arraycopy(plane, r * ow, g, r * wp, ow);
                }
                for (int t = 0; t < taps; t++) {
                    multiplyAdd(g, columns[t], tapSums[f * taps + t], wide);
                }
                add(g, biasSums[f], wide);
                if (gradIn != null) {
                    for (int t = 0; t < taps; t++) {
                        float wt = w[f * taps + t];
                        int to = base + shift[t];
                        for (int p = 0; p < wide; p++) {
                            paddedGrad[to + p] += wt * g[p];
                        }
                    }
                }
            }
        }
        for (int f = 0; f < filters; f++) {
            for (int t = 0; t < taps; t++) {
                double sum = 0;
                for (float v : tapSums[f * taps + t]) {
                    sum += v;
                }
                weightGradient.data.put(f * taps + t, (float) sum);
            }
            double biasSum = 0;
            for (float v : biasSums[f]) {
                biasSum += v;
            }
            biasGradient.data.put(f, (float) biasSum);
        }
        if (gradIn != null) {
            unpad(gradIn, n);
        }
    }

    /** The input gradient from the padded one: padding drops out, and inputs no output read get zero. */
    private void unpad(NativeFloats gradIn, int n) {
        int channels = in.channels();
        int h = in.height();
        int width = in.width();
        int hp = padPlane / wp;
        int rows = Math.min(h, hp - pH);
        int cols = Math.min(width, wp - pW);
        Arrays.fill(image, 0, n * in.size(), 0f);
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                int dst = (c * n + i) * h * width;
                int src = (i * channels + c) * padPlane + pH * wp + pW;
                for (int r = 0; r < rows; r++) {
                    System.arraycopy(paddedGrad, src + r * wp, image, dst + r * width, cols);
                }
            }
        }
        gradIn.data.put(0, image, 0, n * in.size());
    }
}
