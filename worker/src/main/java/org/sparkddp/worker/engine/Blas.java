package org.sparkddp.worker.engine;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major single-precision matrix products, straight into the OpenBLAS that ND4J itself loads (so one BLAS thread
 * setting, {@code OMP_NUM_THREADS}, covers both). Runs on an executor, in the engine's layers.
 */
final class Blas {
    private Blas() {
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, all row-major: {@code op(A)} is {@code m x k}, {@code op(B)}
     * {@code k x n}, C {@code m x n}.
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatPointer a, int lda,
                      FloatPointer b, int ldb, float beta, FloatPointer c, int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /** The sum of {@code |x[i]|} over {@code n} contiguous floats: finite only if every one of them is finite. */
    static float sasum(int n, FloatPointer x) {
        return openblas_nolapack.cblas_sasum(n, x, 1);
    }
}
