package org.sparkddp.worker.engine;

/**
 * Max or average pooling without padding (DL4J's {@code SubsamplingLayer} in truncate mode), one channel plane of one
 * example at a time on the channel-major layout. Runs on an executor.
 *
 * <p>Max pooling routes each output's gradient to the first maximum of its window in row-major order, the one
 * libnd4j's {@code maxpool2d_bp} picks on ties (ties are common: a ReLU's zeros stay equal through batch norm).
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
        var src = x.data;
        var dst = y.data;
        if (max) {
            if (argmax.length < planes * oh * ow) {
                argmax = new int[planes * oh * ow];
            }
            int[] at = argmax;
            for (int p = 0; p < planes; p++) {
                int inBase = p * in.plane();
                int outBase = p * out.plane();
                for (int r = 0; r < oh; r++) {
                    for (int j = 0; j < ow; j++) {
                        int first = inBase + r * sH * w + j * sW;
                        int best = first;
                        float value = src.get(first);
                        for (int kh = 0; kh < kH; kh++) {
                            int line = first + kh * w;
                            for (int kw = 0; kw < kW; kw++) {
                                float v = src.get(line + kw);
                                if (v > value) {
                                    value = v;
                                    best = line + kw;
                                }
                            }
                        }
                        int o = outBase + r * ow + j;
                        dst.put(o, value);
                        at[o] = best;
                    }
                }
            }
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
                            sum += src.get(line + kw);
                        }
                    }
                    dst.put(outBase + r * ow + j, sum * scale);
                }
            }
        }
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
        var g = gradOut.data;
        var d = gradIn.data;
        gradIn.zero(n * in.size());
        if (max) {
            int[] at = argmax;
            int count = planes * oh * ow;
            for (int o = 0; o < count; o++) {
                int to = at[o];
                d.put(to, d.get(to) + g.get(o));
            }
            return;
        }
        float scale = 1f / (kH * kW);
        for (int p = 0; p < planes; p++) {
            int inBase = p * in.plane();
            int outBase = p * out.plane();
            for (int r = 0; r < oh; r++) {
                for (int j = 0; j < ow; j++) {
                    float share = g.get(outBase + r * ow + j) * scale;
                    int first = inBase + r * sH * w + j * sW;
                    for (int kh = 0; kh < kH; kh++) {
                        int line = first + kh * w;
                        for (int kw = 0; kw < kW; kw++) {
                            d.put(line + kw, d.get(line + kw) + share);
                        }
                    }
                }
            }
        }
    }
}
