package org.sparkddp.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The compute ceiling of one core: OpenBLAS {@code sgemm} GFLOP/s on one thread, on native buffers, at given
 * shapes. The OpenBLAS is the one ND4J loads (and the engine calls), so the ceiling is the same library's. Runs in a
 * child JVM with {@code OMP_NUM_THREADS=1}.
 *
 * <p>Usage: {@code SgemmCeiling --runs R M K N [M K N ...]}. For each shape prints
 * {@code RESULT {"m":M,"k":K,"n":N,"gflops":G,"runs":R}}: {@code C[M x N] = A[M x K] B[K x N]}, row-major, 2MNK
 * FLOP, the median of R timed runs after R/4 + 1 warm-up runs.
 */
public final class SgemmCeiling {
    private SgemmCeiling() {
    }

    /** {@code --runs R M K N [M K N ...]}. */
    @Command(name = "SgemmCeiling")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--runs", paramLabel = "R", required = true, description = "timed runs of each shape")
        int runs;
        @Parameters(paramLabel = "M K N", arity = "3..*", description = "the shapes, three numbers each")
        List<Integer> shapes;

        @Override
        public void check() {
            Benchmark.positive("--runs", runs);
            if (shapes.size() % 3 != 0) {
                throw new IllegalArgumentException("shapes come as M K N, three numbers each, but got "
                        + shapes.size() + " numbers");
            }
        }
    }

    public static void main(String[] args) {
        Options options = BenchOptions.parseOrExit("SgemmCeiling", new Options(), args);
        int runs = options.runs;
        // Loads ND4J's native libraries, OpenBLAS among them. Its threads are OpenMP's: OMP_NUM_THREADS=1, which
        // the parent sets, pins it to one (these bindings expose no thread setter).
        Nd4j.create(1);
        for (int i = 0; i < options.shapes.size(); i += 3) {
            int m = options.shapes.get(i);
            int k = options.shapes.get(i + 1);
            int n = options.shapes.get(i + 2);
            System.out.printf(Locale.ROOT, "RESULT {\"m\":%d,\"k\":%d,\"n\":%d,\"gflops\":%.2f,\"runs\":%d}%n", m, k, n,
                    gflops(m, k, n, runs), runs);
        }
    }

    static double gflops(int m, int k, int n, int runs) {
        try (FloatPointer a = filled((long) m * k); FloatPointer b = filled((long) k * n);
             FloatPointer c = new FloatPointer((long) m * n)) {
            for (int i = 0; i < runs / 4 + 1; i++) {
                multiply(m, k, n, a, b, c);
            }
            double[] seconds = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                multiply(m, k, n, a, b, c);
                seconds[i] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(seconds);
            return 2.0 * m * k * n / seconds[runs / 2] / 1e9;
        }
    }

    private static void multiply(int m, int k, int n, FloatPointer a, FloatPointer b, FloatPointer c) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans,
                openblas_nolapack.CblasNoTrans, m, n, k, 1f, a, k, b, n, 0f, c, n);
    }

    /** Values in [0, 1): denormals or zeros would time a different path through the kernel. */
    private static FloatPointer filled(long length) {
        FloatPointer p = new FloatPointer(length);
        java.util.Random random = new java.util.Random(42);
        java.nio.FloatBuffer data = p.asBuffer();
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, random.nextFloat());
        }
        return p;
    }
}
