package org.sparkddp.worker.engine;

/**
 * A fully connected layer without its activation: {@code out = in W + b}, three matrix products per step. Runs on
 * an executor.
 *
 * <p>DL4J keeps {@code W} as an {@code nIn x nOut} matrix in column-major order, which in memory is the row-major
 * {@code nOut x nIn} matrix {@code W^T}: the products below read and write it as such, in place.
 */
final class DenseOp implements EngineLayer {
    private final int nIn;
    private final int nOut;
    private final NativeFloats weights;
    private final NativeFloats bias;
    private final NativeFloats weightGradient;
    private final NativeFloats biasGradient;

    /**
     * @param weights        DL4J's {@code W} view ({@code nIn x nOut}, column-major)
     * @param weightGradient its gradient view, same layout
     */
    DenseOp(int nIn, int nOut, NativeFloats weights, NativeFloats bias, NativeFloats weightGradient,
               NativeFloats biasGradient) {
        this.nIn = nIn;
        this.nOut = nOut;
        this.weights = weights;
        this.bias = bias;
        this.weightGradient = weightGradient;
        this.biasGradient = biasGradient;
    }

    @Override
    public Shape out() {
        return Shape.vector(nOut);
    }

    @Override
    public void forward(NativeFloats in, NativeFloats out, int n, boolean training) {
        // out[n x nOut] = bias (every row), then += in[n x nIn] * (W^T)^T
        for (int i = 0; i < n; i++) {
            int row = i * nOut;
            for (int o = 0; o < nOut; o++) {
                out.data.put(row + o, bias.data.get(o));
            }
        }
        Blas.sgemm(false, true, n, nOut, nIn, 1f, in.at(0), nIn, weights.at(0), nIn, 1f, out.at(0), nOut);
    }

    @Override
    public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
        // dW^T[nOut x nIn] = gradOut^T[nOut x n] * in[n x nIn]
        Blas.sgemm(true, false, nOut, nIn, n, 1f, gradOut.at(0), nOut, in.at(0), nIn, 0f, weightGradient.at(0), nIn);
        for (int o = 0; o < nOut; o++) {
            biasGradient.data.put(o, 0f);
        }
        for (int i = 0; i < n; i++) {
            int row = i * nOut;
            for (int o = 0; o < nOut; o++) {
                biasGradient.data.put(o, biasGradient.data.get(o) + gradOut.data.get(row + o));
            }
        }
        if (gradIn != null) {
            // gradIn[n x nIn] = gradOut[n x nOut] * W^T[nOut x nIn]
            Blas.sgemm(false, false, n, nIn, nOut, 1f, gradOut.at(0), nOut, weights.at(0), nIn, 0f, gradIn.at(0), nIn);
        }
    }
}
