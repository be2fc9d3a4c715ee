package org.sparkddp.worker.engine;

/**
 * A 2-D convolution, with its ReLU when it has one (other activations follow as a step of their own), as DL4J's {@code ConvolutionLayer} computes it (NCHW, dilation 1), on
 * the engine's channel-major layout. Runs on an executor.
 *
 * <p>Forward is im2col and a matrix product per chunk of examples: {@code out[F, chunk*Ho*Wo] = W[F, C*kH*kW] x
 * col[C*kH*kW, chunk*Ho*Wo]}, written straight into its columns of the channel-major output. Backward builds each
 * chunk's {@code col} again: {@code dW += dOut x col^T}, {@code db} the row sums of {@code dOut}, and (unless the
 * layer is first) {@code dCol = W^T x dOut} scattered back by col2im. Why chunks: the whole batch's columns (29 MB
 * for the shipped CNN's second convolution) go through memory several times per step, a chunk's (about 1 MiB) stay
 * in cache between being built, multiplied and scattered, and the products stay large enough for BLAS's pace.
 * DL4J keeps {@code W} as {@code [F, C, kH, kW]} in c order, which is the row-major {@code F x C*kH*kW} matrix used
 * in place.
 */
final class ConvOp implements EngineLayer {
    /** The im2col columns of one chunk of examples: about 1 MiB, the size of one core's L2 cache here. */
    static final int CHUNK_FLOATS = 1 << 18;
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
    /** Examples per chunk: each chunk's columns are built, multiplied and (backward) scattered while in cache. */
    private final int chunk;
    /** Per filter, the bias gradient's four running sums across chunks. */
    private final float[] biasSums;
    /** Examples whose columns {@link #col} has room for. */
    private int capacity;

    /**
     * @param relu apply ReLU to the output in the same pass as the bias (and its derivative in the pass that sums the
     *             bias gradient), instead of as a step of its own: each is a full pass over the largest activations
     */
    ConvOp(Shape in, Shape out, int[] kernel, int[] stride, int[] padTopLeft, boolean relu, NativeFloats weights,
           NativeFloats bias, NativeFloats weightGradient, NativeFloats biasGradient) {
        this(in, out, kernel, stride, padTopLeft, relu, weights, bias, weightGradient, biasGradient,
                Math.max(1, CHUNK_FLOATS / (in.channels() * kernel[0] * kernel[1] * out.plane())));
    }

    /** @param chunk examples per chunk (tests choose small ones, to cross chunk borders on small batches) */
    ConvOp(Shape in, Shape out, int[] kernel, int[] stride, int[] padTopLeft, boolean relu, NativeFloats weights,
           NativeFloats bias, NativeFloats weightGradient, NativeFloats biasGradient, int chunk) {
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
        this.chunk = chunk;
        this.biasSums = new float[4 * out.channels()];
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
        int filters = out.channels();
        float[] line = row(chunk * out.plane());
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int k = Math.min(chunk, n - i0);
            int at = i0 * out.plane();
            int width = k * out.plane();
            // y[:, chunk] = W x col(chunk), then bias (and ReLU) on the chunk while it is in cache
            if (pointwise) {
                Blas.sgemm(false, false, filters, width, rows(), 1f, weights.at(0), rows(), x.at(at), cols, 0f,
                        y.at(at), cols);
            } else {
                im2col(x, n, i0, k);
                Blas.sgemm(false, false, filters, width, rows(), 1f, weights.at(0), rows(), col.at(0), width, 0f,
                        y.at(at), cols);
            }
            for (int f = 0; f < filters; f++) {
                y.data.get(f * cols + at, line, 0, width);
                float b = bias.data.get(f);
                if (relu) {
                    ReluKernels.biasRelu(line, 0, b, line, 0, width);
                } else {
                    for (int j = 0; j < width; j++) {
                        line[j] += b;
                    }
                }
                y.data.put(f * cols + at, line, 0, width);
            }
        }
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        int cols = n * out.plane();
        int filters = out.channels();
        float[] line = row(chunk * out.plane());
        float[] mask = relu ? outRow(chunk * out.plane()) : null;
        java.util.Arrays.fill(biasSums, 0f);
        for (int i0 = 0; i0 < n; i0 += chunk) {
            int k = Math.min(chunk, n - i0);
            int at = i0 * out.plane();
            int width = k * out.plane();
            for (int f = 0; f < filters; f++) {
                gradOut.data.get(f * cols + at, line, 0, width);
                if (relu) {
                    // ReLU's derivative from its output (> 0 exactly where the input was), 0 at 0 as DL4J's
                    y.data.get(f * cols + at, mask, 0, width);
                    ReluKernels.maskByOutput(line, mask, width);
                    gradOut.data.put(f * cols + at, line, 0, width);
                }
                sum(line, width, biasSums, 4 * f);
            }
            // after the ReLU's mask: gradOut is now the gradient of the pre-activations. dW sums the chunks' products
            // (the columns are built again here: a chunk's fit in cache, the whole batch's would not)
            NativeFloats c = pointwise ? x : im2col(x, n, i0, k);
            int cAt = pointwise ? at : 0;
            int ldCol = pointwise ? cols : width;
            Blas.sgemm(false, true, filters, rows(), width, 1f, gradOut.at(at), cols, c.at(cAt), ldCol,
                    i0 == 0 ? 0f : 1f, weightGradient.at(0), rows());
            if (gradIn == null) {
                continue;
            }
            if (pointwise) {
                Blas.sgemm(true, false, rows(), width, filters, 1f, weights.at(0), rows(), gradOut.at(at), cols, 0f,
                        gradIn.at(at), cols);
                continue;
            }
            Blas.sgemm(true, false, rows(), width, filters, 1f, weights.at(0), rows(), gradOut.at(at), cols, 0f,
                    col.at(0), width);
            col2im(col, gradIn, n, i0, k);
        }
        for (int f = 0; f < filters; f++) {
            int s = 4 * f;
            biasGradient.data.put(f, (biasSums[s] + biasSums[s + 1]) + (biasSums[s + 2] + biasSums[s + 3]));
        }
    }

    /**
     * The columns of examples {@code [i0, i0 + k)} into {@link #col}: {@code col[(c, kh, kw), (i, oh, ow)] =
     * x[c, i0 + i, oh*sH - pH + kh, ow*sW - pW + kw]}, zero outside the image. Built in a Java array (plain array
     * loops compile to tight, vectorized code; direct-buffer access per element does not) from the chunk's input
     * planes, and copied to native memory for BLAS in one bulk copy.
     */
    private NativeFloats im2col(NativeFloats x, int n, int i0, int k) {
        ensureCol(k);
        int hw = in.plane();
        for (int c = 0; c < in.channels(); c++) {
            x.data.get((c * n + i0) * hw, image, c * k * hw, k * hw);
        }
        float[] src = image;
        float[] dst = colArray;
        int ow = out.width();
        int cols = k * out.plane();
        if (planes != null) {
            planes.im2col(src, dst, k);
            col.data.put(0, dst, 0, rows() * cols);
            return col;
        }
        forEachRow(k, (at, inside, line, lo, hi) -> {
            if (!inside || lo >= hi) {
                java.util.Arrays.fill(dst, at, at + ow, 0f);
                return;
            }
            java.util.Arrays.fill(dst, at, at + lo, 0f);
            if (sW == 1) {
                System.arraycopy(src, line + lo, dst, at + lo, hi - lo);
            } else {
                for (int j = lo; j < hi; j++) {
                    dst[at + j] = src[line + j * sW];
                }
            }
            java.util.Arrays.fill(dst, at + hi, at + ow, 0f);
        });
        col.data.put(0, dst, 0, rows() * cols);
        return col;
    }

    /**
     * The inverse scatter of {@link #im2col} for examples {@code [i0, i0 + k)}: their planes of {@code gradIn} are
     * the sums of every column entry that read them.
     */
    private void col2im(NativeFloats dCol, NativeFloats gradIn, int n, int i0, int k) {
        int hw = in.plane();
        int cols = k * out.plane();
        float[] src = colArray;
        dCol.data.get(0, src, 0, rows() * cols);
        float[] dst = image;
        java.util.Arrays.fill(dst, 0, k * in.size(), 0f);
        if (planes != null) {
            planes.col2im(src, dst, k);
        } else {
            forEachRow(k, (at, inside, line, lo, hi) -> {
                if (!inside) {
                    return;
                }
                if (sW == 1) {
                    for (int j = lo; j < hi; j++) {
                        dst[line + j] += src[at + j];
                    }
                } else {
                    for (int j = lo; j < hi; j++) {
                        dst[line + j * sW] += src[at + j];
                    }
                }
            });
        }
        for (int c = 0; c < in.channels(); c++) {
            gradIn.data.put((c * n + i0) * hw, dst, c * k * hw, k * hw);
        }
    }

    /** One output row of one im2col row, for {@link #forEachRow}. */
    private interface RowRun {
        /**
         * @param at     the row's first column entry
         * @param inside whether the input row it reads is inside the image (else it reads only padding)
         * @param line   where that input row's column {@code -pW + kw} would be (it may lie left of the row)
         * @param lo     the first output column reading inside the image
         * @param hi     one past the last
         */
        void run(int at, boolean inside, int line, int lo, int hi);
    }

    /** Every output row of every im2col row, for a chunk of {@code k} examples, in the order im2col writes them. */
    private void forEachRow(int k, RowRun run) {
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = k * oh * ow;
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = firstInside(kw, pW, sW);
                    int hi = endInside(kw, pW, sW, w, ow);
                    for (int i = 0; i < k; i++) {
                        int plane = (c * k + i) * h * w;
                        for (int r = 0; r < oh; r++) {
                            int ih = r * sH - pH + kh;
                            run.run(row + (i * oh + r) * ow, ih >= 0 && ih < h, plane + ih * w - pW + kw, lo, hi);
                        }
                    }
                }
            }
        }
    }

    /**
     * Adds {@code a[0..count)} into the four running sums {@code sums[at..at+4)} (one sum waits on its own previous
     * add every element); chunk after chunk, these are the whole batch's sums in the same order wherever a chunk's
     * count is a multiple of 4.
     */
    private static void sum(float[] a, int count, float[] sums, int at) {
        float s0 = sums[at], s1 = sums[at + 1], s2 = sums[at + 2], s3 = sums[at + 3];
        int j = 0;
        for (; j + 4 <= count; j += 4) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
        }
        for (; j < count; j++) {
            s0 += a[j];
        }
        sums[at] = s0;
        sums[at + 1] = s1;
        sums[at + 2] = s2;
        sums[at + 3] = s3;
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

    /** Room for {@code k} examples' columns (at most a chunk's, and never more than the batch's). */
    private void ensureCol(int k) {
        if (k <= capacity) {
            return;
        }
        if (col != null) {
            // Forget the freed buffer before allocating: a failed allocation must not leave col pointing at it.
            NativeFloats freed = col;
            col = null;
            capacity = 0;
            freed.close();
        }
        col = NativeFloats.allocate((long) rows() * k * out.plane());
        colArray = new float[col.length];
        image = new float[k * in.size()];
        capacity = k;
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
