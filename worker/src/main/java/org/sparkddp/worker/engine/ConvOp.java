package org.sparkddp.worker.engine;

/**
 * A 2-D convolution without its activation, as DL4J's {@code ConvolutionLayer} computes it (NCHW, dilation 1), on
 * the engine's channel-major layout. Runs on an executor.
 *
 * <p>Forward is im2col and one matrix product over the whole batch: {@code out[F, n*Ho*Wo] = W[F, C*kH*kW] x
 * col[C*kH*kW, n*Ho*Wo]}, which is already the channel-major output. Backward reuses the forward's {@code col}:
 * {@code dW = dOut x col^T}, {@code db} the row sums of {@code dOut}, and (unless the layer is first)
 * {@code dCol = W^T x dOut} scattered back by col2im. DL4J keeps {@code W} as {@code [F, C, kH, kW]} in c order,
 * which is the row-major {@code F x C*kH*kW} matrix used in place.
 */
final class ConvOp implements EngineLayer {
    private final Shape in;
    private final Shape out;
    private final int kH;
    private final int kW;
    private final int sH;
    private final int sW;
    /** Zero padding above and left; below and right is whatever the output size needs (DL4J's "same" mode). */
    private final int pH;
    private final int pW;
    private final NativeFloats weights;
    private final NativeFloats bias;
    private final NativeFloats weightGradient;
    private final NativeFloats biasGradient;
    /** A 1x1 kernel with stride 1 and no padding: the input is its own im2col. */
    private final boolean pointwise;
    private NativeFloats col;
    private int capacity;

    ConvOp(Shape in, Shape out, int[] kernel, int[] stride, int[] padTopLeft, NativeFloats weights, NativeFloats bias,
           NativeFloats weightGradient, NativeFloats biasGradient) {
        this.in = in;
        this.out = out;
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.sH = stride[0];
        this.sW = stride[1];
        this.pH = padTopLeft[0];
        this.pW = padTopLeft[1];
        this.weights = weights;
        this.bias = bias;
        this.weightGradient = weightGradient;
        this.biasGradient = biasGradient;
        this.pointwise = kH == 1 && kW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0;
    }

    /** Output size along one axis, DL4J's truncate arithmetic on an input padded by {@code pad} on both sides. */
    static int truncateSize(int size, int kernel, int stride, int pad) {
        return (size + 2 * pad - kernel) / stride + 1;
    }

    @Override
    public Shape out() {
        return out;
    }

    private int rows() {
        return in.channels() * kH * kW;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        int cols = n * out.plane();
        NativeFloats c = im2col(x, n);
        // y = bias in every column, then += W x col
        var yd = y.data;
        for (int f = 0; f < out.channels(); f++) {
            float b = bias.data.get(f);
            int at = f * cols;
            for (int j = 0; j < cols; j++) {
                yd.put(at + j, b);
            }
        }
        Blas.sgemm(false, false, out.channels(), cols, rows(), 1f, weights.at(0), rows(), c.at(0), cols, 1f,
                y.at(0), cols);
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        int cols = n * out.plane();
        int filters = out.channels();
        NativeFloats c = pointwise ? x : col; // filled by the forward pass on this batch
        Blas.sgemm(false, true, filters, rows(), cols, 1f, gradOut.at(0), cols, c.at(0), cols, 0f,
                weightGradient.at(0), rows());
        var g = gradOut.data;
        for (int f = 0; f < filters; f++) {
            int at = f * cols;
            float sum = 0;
            for (int j = 0; j < cols; j++) {
                sum += g.get(at + j);
            }
            biasGradient.data.put(f, sum);
        }
        if (gradIn == null) {
            return;
        }
        if (pointwise) {
            Blas.sgemm(true, false, rows(), cols, filters, 1f, weights.at(0), rows(), gradOut.at(0), cols, 0f,
                    gradIn.at(0), cols);
            return;
        }
        Blas.sgemm(true, false, rows(), cols, filters, 1f, weights.at(0), rows(), gradOut.at(0), cols, 0f,
                col.at(0), cols);
        col2im(col, gradIn, n);
    }

    /** {@code col[(c, kh, kw), (i, oh, ow)] = x[c, i, oh*sH - pH + kh, ow*sW - pW + kw]}, zero outside the image. */
    private NativeFloats im2col(NativeFloats x, int n) {
        if (pointwise) {
            return x;
        }
        ensureCol(n);
        var src = x.data;
        var dst = col.data;
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = firstInside(kw, pW, sW);
                    int hi = endInside(kw, pW, sW, w, ow);
                    for (int i = 0; i < n; i++) {
                        int image = (c * n + i) * h * w;
                        for (int r = 0; r < oh; r++) {
                            int at = row + (i * oh + r) * ow;
                            int ih = r * sH - pH + kh;
                            if (ih < 0 || ih >= h || lo >= hi) {
                                for (int j = 0; j < ow; j++) {
                                    dst.put(at + j, 0f);
                                }
                                continue;
                            }
                            int line = image + ih * w - pW + kw;
                            for (int j = 0; j < lo; j++) {
                                dst.put(at + j, 0f);
                            }
                            if (sW == 1) {
                                dst.put(at + lo, src, line + lo, hi - lo);
                            } else {
                                for (int j = lo; j < hi; j++) {
                                    dst.put(at + j, src.get(line + j * sW));
                                }
                            }
                            for (int j = hi; j < ow; j++) {
                                dst.put(at + j, 0f);
                            }
                        }
                    }
                }
            }
        }
        return col;
    }

    /** The inverse scatter of {@link #im2col}: {@code gradIn} is the sum of every column entry that read it. */
    private void col2im(NativeFloats dCol, NativeFloats gradIn, int n) {
        var src = dCol.data;
        var dst = gradIn.data;
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        gradIn.zero(n * in.size());
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = firstInside(kw, pW, sW);
                    int hi = endInside(kw, pW, sW, w, ow);
                    for (int i = 0; i < n; i++) {
                        int image = (c * n + i) * h * w;
                        for (int r = 0; r < oh; r++) {
                            int ih = r * sH - pH + kh;
                            if (ih < 0 || ih >= h) {
                                continue;
                            }
                            int at = row + (i * oh + r) * ow;
                            int line = image + ih * w - pW + kw;
                            for (int j = lo; j < hi; j++) {
                                int to = line + j * sW;
                                dst.put(to, dst.get(to) + src.get(at + j));
                            }
                        }
                    }
                }
            }
        }
    }

    /** The first output column whose input column {@code j*s - pad + k} is not left of the image. */
    private static int firstInside(int k, int pad, int s) {
        int need = pad - k; // j*s >= need
        return need <= 0 ? 0 : (need + s - 1) / s;
    }

    /** One past the last output column whose input column is inside an image {@code width} wide. */
    private static int endInside(int k, int pad, int s, int width, int outWidth) {
        int last = width - 1 + pad - k; // j*s <= last
        return last < 0 ? 0 : Math.min(outWidth, last / s + 1);
    }

    private void ensureCol(int n) {
        if (n <= capacity) {
            return;
        }
        if (col != null) {
            col.close();
        }
        col = NativeFloats.allocate((long) rows() * n * out.plane());
        capacity = n;
    }

    @Override
    public void close() {
        if (col != null) {
            col.close();
            col = null;
            capacity = 0;
        }
    }
}
