package org.sparkddp.worker.engine;

/**
 * A 2-D convolution, with its ReLU when it has one (other activations follow as a step of their own), as DL4J's {@code ConvolutionLayer} computes it (NCHW, dilation 1), on
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
    private final boolean relu;
    /** A 1x1 kernel with stride 1 and no padding: the input is its own im2col. */
    private final boolean pointwise;
    /** The faster im2col and col2im of stride 1 on rows as wide as the input's, or null where they do not apply. */
    private final ShiftedPlanes planes;
    private NativeFloats col;
    /** Java-side scratch for im2col and col2im: the columns, and the input (or its gradient) of one batch. */
    private float[] colArray = new float[0];
    private float[] image = new float[0];
    private float[] rowArray = new float[0];
    private float[] maskArray = new float[0];
    private int capacity;

    /**
     * @param relu apply ReLU to the output in the same pass as the bias (and its derivative in the pass that sums the
     *             bias gradient), instead of as a step of its own: each is a full pass over the largest activations
     */
    ConvOp(Shape in, Shape out, int[] kernel, int[] stride, int[] padTopLeft, boolean relu, NativeFloats weights,
           NativeFloats bias, NativeFloats weightGradient, NativeFloats biasGradient) {
        this.relu = relu;
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
        this.planes = ShiftedPlanes.applies(in, out, stride) ? new ShiftedPlanes(in, out, kernel, padTopLeft) : null;
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
        // y = W x col, then bias (and ReLU) row by row in a Java array
        Blas.sgemm(false, false, out.channels(), cols, rows(), 1f, weights.at(0), rows(), c.at(0), cols, 0f,
                y.at(0), cols);
        float[] line = row(cols);
        for (int f = 0; f < out.channels(); f++) {
            y.data.get(f * cols, line, 0, cols);
            float b = bias.data.get(f);
            if (relu) {
                ReluKernels.biasRelu(line, 0, b, line, 0, cols);
            } else {
                for (int j = 0; j < cols; j++) {
                    line[j] += b;
                }
            }
            y.data.put(f * cols, line, 0, cols);
        }
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        int cols = n * out.plane();
        int filters = out.channels();
        NativeFloats c = pointwise ? x : col; // filled by the forward pass on this batch
        float[] line = row(cols);
        float[] mask = relu ? outRow(cols) : null;
        for (int f = 0; f < filters; f++) {
            gradOut.data.get(f * cols, line, 0, cols);
            if (relu) {
                // ReLU's derivative from its output (> 0 exactly where the input was), 0 at 0 as DL4J's
                y.data.get(f * cols, mask, 0, cols);
                ReluKernels.maskByOutput(line, mask, cols);
                gradOut.data.put(f * cols, line, 0, cols);
            }
            biasGradient.data.put(f, sum(line, cols));
        }
        // after the ReLU's mask: gradOut is now the gradient of the pre-activations
        Blas.sgemm(false, true, filters, rows(), cols, 1f, gradOut.at(0), cols, c.at(0), cols, 0f,
                weightGradient.at(0), rows());
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

    /**
     * {@code col[(c, kh, kw), (i, oh, ow)] = x[c, i, oh*sH - pH + kh, ow*sW - pW + kw]}, zero outside the image.
     * Built in a Java array (plain array loops compile to tight, vectorized code; direct-buffer access per element
     * does not) and copied to native memory for BLAS in one bulk copy.
     */
    private NativeFloats im2col(NativeFloats x, int n) {
        if (pointwise) {
            return x;
        }
        ensureCol(n);
        int inCount = n * in.size();
        x.data.get(0, image, 0, inCount);
        float[] src = image;
        float[] dst = colArray;
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        if (planes != null) {
            planes.im2col(src, dst, n);
            col.data.put(0, dst, 0, rows() * cols);
            return col;
        }
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = firstInside(kw, pW, sW);
                    int hi = endInside(kw, pW, sW, w, ow);
                    for (int i = 0; i < n; i++) {
                        int plane = (c * n + i) * h * w;
                        for (int r = 0; r < oh; r++) {
                            int at = row + (i * oh + r) * ow;
                            int ih = r * sH - pH + kh;
                            if (ih < 0 || ih >= h || lo >= hi) {
                                java.util.Arrays.fill(dst, at, at + ow, 0f);
                                continue;
                            }
                            int line = plane + ih * w - pW + kw;
                            java.util.Arrays.fill(dst, at, at + lo, 0f);
                            if (sW == 1) {
                                System.arraycopy(src, line + lo, dst, at + lo, hi - lo);
                            } else {
                                for (int j = lo; j < hi; j++) {
                                    dst[at + j] = src[line + j * sW];
                                }
                            }
                            java.util.Arrays.fill(dst, at + hi, at + ow, 0f);
                        }
                    }
                }
            }
        }
        col.data.put(0, dst, 0, rows() * cols);
        return col;
    }

    /** The inverse scatter of {@link #im2col}: {@code gradIn} is the sum of every column entry that read it. */
    private void col2im(NativeFloats dCol, NativeFloats gradIn, int n) {
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        float[] src = colArray;
        dCol.data.get(0, src, 0, rows() * cols);
        float[] dst = image;
        int inCount = n * in.size();
        java.util.Arrays.fill(dst, 0, inCount, 0f);
        if (planes != null) {
            planes.col2im(src, dst, n);
            gradIn.data.put(0, dst, 0, inCount);
            return;
        }
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = firstInside(kw, pW, sW);
                    int hi = endInside(kw, pW, sW, w, ow);
                    for (int i = 0; i < n; i++) {
                        int plane = (c * n + i) * h * w;
                        for (int r = 0; r < oh; r++) {
                            int ih = r * sH - pH + kh;
                            if (ih < 0 || ih >= h) {
                                continue;
                            }
                            int at = row + (i * oh + r) * ow;
                            int line = plane + ih * w - pW + kw;
                            if (sW == 1) {
                                for (int j = lo; j < hi; j++) {
                                    dst[line + j] += src[at + j];
                                }
                            } else {
                                for (int j = lo; j < hi; j++) {
                                    dst[line + j * sW] += src[at + j];
                                }
                            }
                        }
                    }
                }
            }
        }
        gradIn.data.put(0, dst, 0, inCount);
    }

    /** {@code a[0] + ... + a[count - 1]}, in four running sums (one waits on its own previous add every element). */
    private static float sum(float[] a, int count) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= count; j += 4) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
        }
        float sum = (s0 + s1) + (s2 + s3);
        for (; j < count; j++) {
            sum += a[j];
        }
        return sum;
    }

    /** The first output column whose input column {@code j*s - pad + k} is not left of the image. */
    static int firstInside(int k, int pad, int s) {
        int need = pad - k; // j*s >= need
        return need <= 0 ? 0 : (need + s - 1) / s;
    }

    /** One past the last output column whose input column is inside an image {@code width} wide. */
    static int endInside(int k, int pad, int s, int width, int outWidth) {
        int last = width - 1 + pad - k; // j*s <= last
        return last < 0 ? 0 : Math.min(outWidth, last / s + 1);
    }

    /** Scratch for one output channel's row of {@code cols} floats. */
    private float[] row(int cols) {
        if (rowArray.length < cols) {
            rowArray = new float[cols];
        }
        return rowArray;
    }

    private float[] outRow(int cols) {
        if (maskArray.length < cols) {
            maskArray = new float[cols];
        }
        return maskArray;
    }

    private void ensureCol(int n) {
        if (n <= capacity) {
            return;
        }
        if (col != null) {
            col.close();
        }
        col = NativeFloats.allocate((long) rows() * n * out.plane());
        colArray = new float[col.length];
        image = new float[n * in.size()];
        capacity = n;
    }

    @Override
    public void close() {
        if (col != null) {
            col.close();
            col = null;
            colArray = new float[0];
            image = new float[0];
            capacity = 0;
        }
    }
}
