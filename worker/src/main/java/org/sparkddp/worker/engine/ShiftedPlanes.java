package org.sparkddp.worker.engine;

/**
 * {@link ConvOp}'s im2col and col2im for stride 1 on rows as wide as the input's (e.g. "same" padding). Then an
 * im2col row of one example is its input plane shifted by {@code (kh - pH) * w + kw - pW}, except for the rows and
 * columns the shift takes outside the image: one copy per example and kernel offset, instead of one per output row
 * (14 floats in the CNN's second convolution, where the calls cost more than the copying). Same layouts and results
 * as {@link ConvOp}'s general loops. Runs on an executor.
 */
final class ShiftedPlanes {
    private final Shape in;
    private final Shape out;
    private final int kH;
    private final int kW;
    private final int pH;
    private final int pW;
    /** col2im's scratch, as large as its output: each run is copied here at the index it is added to. */
    private float[] stage = new float[0];

    ShiftedPlanes(Shape in, Shape out, int[] kernel, int[] padTopLeft) {
        this.in = in;
        this.out = out;
        this.kH = kernel[0];
        this.kW = kernel[1];
        this.pH = padTopLeft[0];
        this.pW = padTopLeft[1];
    }

    /** Whether these loops compute the convolution's im2col: stride 1, output rows as wide as the input's. */
    static boolean applies(Shape in, Shape out, int[] stride) {
        return stride[0] == 1 && stride[1] == 1 && out.width() == in.width();
    }

    /** {@link ConvOp}'s im2col: a shifted copy of each plane, then zeros where the shift left it. */
    void im2col(float[] src, float[] dst, int n) {
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        int planeSize = h * w;
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                int r0 = Math.max(0, pH - kh); // the output rows whose input row kh - pH + r is inside
                int r1 = Math.min(oh, h + pH - kh);
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = ConvOp.firstInside(kw, pW, 1);
                    int hi = ConvOp.endInside(kw, pW, 1, w, ow);
                    int offset = (kh - pH) * w + kw - pW;
                    for (int i = 0; i < n; i++) {
                        int plane = (c * n + i) * planeSize;
                        int at = row + i * oh * ow;
                        java.util.Arrays.fill(dst, at, at + Math.max(r0, 0) * ow, 0f);
                        java.util.Arrays.fill(dst, at + Math.max(r1, r0) * ow, at + oh * ow, 0f);
                        if (r1 <= r0) {
                            continue;
                        }
                        // the run [r0 * ow, r1 * ow) reads plane + offset + p; clip it to the plane (what falls
                        // outside is a column the shift moved off the image, zeroed below)
                        int from = Math.max(r0 * ow, -offset);
                        int to = Math.min(r1 * ow, planeSize - offset);
                        if (to > from) {
                            System.arraycopy(src, plane + offset + from, dst, at + from, to - from);
                        }
                        for (int r = r0; r < r1; r++) {
                            int line = at + r * ow;
                            for (int j = 0; j < lo; j++) {
                                dst[line + j] = 0f;
                            }
                            for (int j = hi; j < ow; j++) {
                                dst[line + j] = 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link ConvOp}'s col2im: the entries that read outside the image are zeroed in the (scratch)
     * columns, then each example's row is added to its plane as one shifted run.
     */
    void col2im(float[] src, float[] dst, int n) {
        if (stage.length < n * in.size()) {
            stage = new float[n * in.size()];
        }
        int h = in.height();
        int w = in.width();
        int oh = out.height();
        int ow = out.width();
        int cols = n * oh * ow;
        int planeSize = h * w;
        for (int c = 0; c < in.channels(); c++) {
            for (int kh = 0; kh < kH; kh++) {
                int r0 = Math.max(0, pH - kh);
                int r1 = Math.min(oh, h + pH - kh);
                if (r1 <= r0) {
                    continue;
                }
                for (int kw = 0; kw < kW; kw++) {
                    int row = ((c * kH + kh) * kW + kw) * cols;
                    int lo = ConvOp.firstInside(kw, pW, 1);
                    int hi = ConvOp.endInside(kw, pW, 1, w, ow);
                    int offset = (kh - pH) * w + kw - pW;
                    for (int i = 0; i < n; i++) {
                        int plane = (c * n + i) * planeSize;
                        int at = row + i * oh * ow;
                        for (int r = r0; r < r1; r++) {
                            int line = at + r * ow;
                            for (int j = 0; j < lo; j++) {
                                src[line + j] = 0f;
                            }
                            for (int j = hi; j < ow; j++) {
                                src[line + j] = 0f;
                            }
                        }
                        int from = Math.max(r0 * ow, -offset);
                        int to = Math.min(r1 * ow, planeSize - offset);
                        // staged at the index it is added to: C2 vectorizes an add with one index into both arrays,
                        // not one with two offsets
                        int into = plane + offset + from;
                        System.arraycopy(src, at + from, stage, into, to - from);
                        addRun(stage, dst, into, to - from);
                    }
                }
            }
        }
    }

    /** {@code dst[q] += src[q]} for {@code from <= q < from + count}. */
    private static void addRun(float[] src, float[] dst, int from, int count) {
        for (int q = from; q < from + count; q++) {
            dst[q] += src[q];
        }
    }

}
