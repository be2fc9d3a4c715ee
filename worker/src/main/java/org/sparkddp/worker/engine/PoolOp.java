package org.sparkddp.worker.engine;

/**
 * Max or average pooling without padding (DL4J's {@code SubsamplingLayer} in truncate mode), one channel plane of one
 * example at a time on the channel-major layout. Runs on an executor.
 *
 * <p>Max pooling routes each output's gradient to the first maximum of its window in row-major order (strict
 * {@code >}), as libnd4j's pooling loops scan. Ties are common after ReLU then batch norm (the zeros stay equal), but
 * there the choice cannot change a gradient: the tied inputs share one normalized value, so batch norm's sums are
 * the same, and the ReLU behind them passes no gradient to any of them.
 * Windows never cross the border without padding, so average pooling divides by the full window, as DL4J does
 * whether or not it counts padding.
 */
final class PoolOp implements EngineLayer {
    private final Shape in;
    private final Shape out;
    private final boolean max;
    private final int kH;
    private final int kW;
    private final int sH;
    private final int sW;
    /** Plain arrays for the loops (they compile to tighter code than per-element direct-buffer access). */
    private float[] inArray = new float[0];
    private float[] outArray = new float[0];
    /** For max pooling: per output, the index into the input of the maximum the forward pass chose. */
    private int[] argmax = new int[0];

    PoolOp(Shape in, Shape out, boolean max, int[] kernel, int[] stride) {
        this.in = in;
        this.out = out;
        this.max = max;
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.sH = stride[0];
        this.sW = stride[1];
    }

    @Override
    public Shape out() {
        return out;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        int planes = n * in.channels();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        float[] src = input(n);
        x.data.get(0, src, 0, n * in.size());
        float[] dst = output(n);
        if (max) {
            if (argmax.length < planes * oh * ow) {
                argmax = new int[planes * oh * ow];
            }
            if (kH == 2 && kW == 2) {
                maxPool2x2(src, dst, argmax, planes, w);
            } else {
                maxPool(src, dst, argmax, planes, w);
            }
            y.data.put(0, dst, 0, n * out.size());
            return;
        }
        float scale = 1f / (kH * kW);
        for (int p = 0; p < planes; p++) {
            int inBase = p * in.plane();
            int outBase = p * out.plane();
            for (int r = 0; r < oh; r++) {
                for (int j = 0; j < ow; j++) {
                    int first = inBase + r * sH * w + j * sW;
                    float sum = 0;
                    for (int kh = 0; kh < kH; kh++) {
                        int line = first + kh * w;
                        for (int kw = 0; kw < kW; kw++) {
                            sum += src[line + kw];
                        }
                    }
                    dst[outBase + r * ow + j] = sum * scale;
                }
            }
        }
        y.data.put(0, dst, 0, n * out.size());
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn == null) {
            return;
        }
        int planes = n * in.channels();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        float[] g = output(n);
        gradOut.data.get(0, g, 0, n * out.size());
        float[] d = input(n);
        java.util.Arrays.fill(d, 0, n * in.size(), 0f);
        if (max) {
            int[] at = argmax;
            int count = planes * oh * ow;
            for (int o = 0; o < count; o++) {
                d[at[o]] += g[o];
            }
            gradIn.data.put(0, d, 0, n * in.size());
            return;
        }
        float scale = 1f / (kH * kW);
        for (int p = 0; p < planes; p++) {
            int inBase = p * in.plane();
            int outBase = p * out.plane();
            for (int r = 0; r < oh; r++) {
                for (int j = 0; j < ow; j++) {
                    float share = g[outBase + r * ow + j] * scale;
                    int first = inBase + r * sH * w + j * sW;
                    for (int kh = 0; kh < kH; kh++) {
                        int line = first + kh * w;
                        for (int kw = 0; kw < kW; kw++) {
                            d[line + kw] += share;
                        }
                    }
                }
            }
        }
        gradIn.data.put(0, d, 0, n * in.size());
    }

    /**
     * Each window's maximum and where it is, in one pass: the first maximum in row-major order wins (strict
     * {@code >}), and a window with a NaN gives NaN (its gradient goes to a NaN or after it). Written without
     * float selections (HotSpot's x86 code for a float {@code ?:} is a jump): after batch norm, which of a window's
     * values is largest is a coin toss, and mispredicted jumps cost more than the comparisons. The value is
     * {@link Math#max(float, float)} (a branch-free intrinsic), the index an integer selection.
     */
    private void maxPool(float[] src, float[] dst, int[] at, int planes, int w) {
        int oh = out.height();
        int ow = out.width();
        for (int p = 0; p < planes; p++) {
            int inBase = p * in.plane();
            int outBase = p * out.plane();
            for (int r = 0; r < oh; r++) {
                for (int j = 0; j < ow; j++) {
                    int first = inBase + r * sH * w + j * sW;
                    float value = src[first];
                    int best = first;
                    for (int kh = 0; kh < kH; kh++) {
                        int line = first + kh * w;
                        for (int kw = 0; kw < kW; kw++) {
                            float v = src[line + kw];
                            best = !(v <= value) ? line + kw : best;
                            value = Math.max(value, v);
                        }
                    }
                    int o = outBase + r * ow + j;
                    dst[o] = value;
                    at[o] = best;
                }
            }
        }
    }

    /** {@link #maxPool} for the common 2x2 window, unrolled. */
    private void maxPool2x2(float[] src, float[] dst, int[] at, int planes, int w) {
        int oh = out.height();
        int ow = out.width();
        for (int p = 0; p < planes; p++) {
            int inBase = p * in.plane();
            int outBase = p * out.plane();
            for (int r = 0; r < oh; r++) {
                int row = inBase + r * sH * w;
                int o = outBase + r * ow;
                for (int j = 0; j < ow; j++) {
                    int i0 = row + j * sW;
                    float value = src[i0];
                    int best = i0;
                    float v = src[i0 + 1];
                    best = !(v <= value) ? i0 + 1 : best;
                    value = Math.max(value, v);
                    v = src[i0 + w];
                    best = !(v <= value) ? i0 + w : best;
                    value = Math.max(value, v);
                    v = src[i0 + w + 1];
                    best = !(v <= value) ? i0 + w + 1 : best;
                    value = Math.max(value, v);
                    dst[o + j] = value;
                    at[o + j] = best;
                }
            }
        }
    }

    /** Java-side scratch for a batch of inputs (or their gradient), and of outputs (or theirs). */
    private float[] input(int n) {
        if (inArray.length < n * in.size()) {
            inArray = new float[n * in.size()];
        }
        return inArray;
    }

    private float[] output(int n) {
        if (outArray.length < n * out.size()) {
            outArray = new float[n * out.size()];
        }
        return outArray;
    }
}
