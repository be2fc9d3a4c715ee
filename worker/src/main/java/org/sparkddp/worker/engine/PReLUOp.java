package org.sparkddp.worker.engine;

/**
 * DL4J's {@code PReLULayer}: {@code out = x} where {@code x >= 0}, else {@code alpha * x}, with one learned slope per
 * channel of an image ({@code perChannel}) or per element of one example. Runs on an executor.
 */
final class PReLUOp implements EngineLayer {
    private final Shape shape;
    private final boolean perChannel;
    private final NativeFloats alpha;
    private final NativeFloats alphaGradient;

    PReLUOp(Shape shape, boolean perChannel, NativeFloats alpha, NativeFloats alphaGradient) {
        this.shape = shape;
        this.perChannel = perChannel;
        this.alpha = alpha;
        this.alphaGradient = alphaGradient;
    }

    @Override
    public Shape out() {
        return shape;
    }

    @Override
    public void forward(NativeFloats x, NativeFloats y, int n, boolean training) {
        var src = x.data;
        var dst = y.data;
        var a = alpha.data;
        int inner = inner();
        int outer = outer(n);
        // the layout is [outer][inner]; the slope index is a function of (o, e) given below
        for (int o = 0, i = 0; o < outer; o++) {
            for (int e = 0; e < inner; e++, i++) {
                float v = src.get(i);
                dst.put(i, v < 0 ? a.get(slope(o, e, n)) * v : v);
            }
        }
    }

    @Override
    public void backward(NativeFloats x, NativeFloats y, NativeFloats gradOut, NativeFloats gradIn, int n) {
        var src = x.data;
        var g = gradOut.data;
        var a = alpha.data;
        var da = alphaGradient.data;
        alphaGradient.zero(alphaGradient.length);
        int inner = inner();
        int outer = outer(n);
        for (int o = 0, i = 0; o < outer; o++) {
            for (int e = 0; e < inner; e++, i++) {
                float v = src.get(i);
                float gi = g.get(i);
                int s = slope(o, e, n);
                if (v < 0) {
                    da.put(s, da.get(s) + gi * v);
                    if (gradIn != null) {
                        gradIn.data.put(i, a.get(s) * gi);
                    }
                } else if (gradIn != null) {
                    gradIn.data.put(i, gi);
                }
            }
        }
    }

    /**
     * The layout as {@code [outer][inner]}: images {@code [channels * n][plane]}, vectors {@code [n][features]}.
     */
    private int inner() {
        return shape.image() ? shape.plane() : shape.channels();
    }

    private int outer(int n) {
        return shape.image() ? shape.channels() * n : n;
    }

    /** The slope of element {@code e} of row {@code o}. */
    private int slope(int o, int e, int n) {
        if (!shape.image()) {
            return e;
        }
        int c = o / n;
        return perChannel ? c : c * shape.plane() + e;
    }
}
