package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Not a test: times batch norm and pooling at the shipped CNN's shapes (conf/fashion-mnist-cnn.conf at batch 128:
 * 32x28x28 and 64x14x14), the Java ops ({@link BatchNormOp}, {@link PoolOp}, channel-major) against the oneDNN ones
 * ({@link DnnlBatchNormOp}, {@link DnnlPoolOp}, NCHW) and the Java batch norm on NCHW, a training forward and
 * backward pass each, back to back in one JVM, alternating rounds so that a load change on the machine hits both.
 * Run it with {@code OMP_NUM_THREADS=1}; compare the ratios of one run. Prints milliseconds of wall time, of this
 * thread's CPU time and of the whole process's (the two agree when oneDNN runs on this thread alone).
 *
 * <p>ND4J is not loaded here, on purpose: on the thread that initialized ND4J's native backend, OpenMP's thread count
 * read 4 (ND4J's {@code ompGetMaxThreads()}, with {@code OMP_NUM_THREADS=1} and 2 cores), and oneDNN's primitives ran
 * on 4 threads: this thread's CPU time then showed a quarter of their work, the process's the same total as here.
 *
 * <pre>OMP_NUM_THREADS=1 java -cp worker/target/classes:worker/target/test-classes:$(deps) \
 *     org.sparkddp.worker.engine.DnnlNormPoolTiming [steps] [rounds]</pre>
 */
public final class DnnlNormPoolTiming {
    private DnnlNormPoolTiming() {
    }

    /** The batch norms' parameters and gradients, freed at the end. */
    private static final List<NativeFloats> PARAMS = new ArrayList<>();

    public static void main(String[] args) {
        try {
            run(args);
        } finally {
            PARAMS.forEach(NativeFloats::close);
        }
    }

    private static void run(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int n = 128;
        for (Shape shape : new Shape[] {Shape.image(32, 28, 28), Shape.image(64, 14, 14)}) {
            Shape pooled = Shape.image(shape.channels(), shape.height() / 2, shape.width() / 2);
            int[] two = {2, 2};
            try (Case javaNorm = new Case(batchNorm(shape, "java"), shape, shape, n);
                 Case dnnlNorm = new Case(batchNorm(shape, "onednn"), shape, shape, n);
                 Case nchwNorm = new Case(batchNorm(shape, "java-nchw"), shape, shape, n);
                 Case javaPool = new Case(new PoolOp(shape, pooled, true, two, two), shape, pooled, n);
                 Case dnnlPool = new Case(new DnnlPoolOp(shape, pooled, true, two, two), shape, pooled, n);
                 Case javaAvg = new Case(new PoolOp(shape, pooled, false, two, two), shape, pooled, n);
                 Case dnnlAvg = new Case(new DnnlPoolOp(shape, pooled, false, two, two), shape, pooled, n)) {
                Case[][] pairs = {{javaNorm, dnnlNorm}, {javaNorm, nchwNorm}, {javaPool, dnnlPool},
                        {javaAvg, dnnlAvg}};
                String[] names = {"batch norm", "BN Java NCHW", "max pool 2x2", "avg pool 2x2"};
                for (int round = 0; round < rounds; round++) {
                    for (int i = 0; i < pairs.length; i++) {
                        double[] java = pairs[i][0].time(steps);
                        double[] dnnl = pairs[i][1].time(steps);
                        System.out.printf("round %d %-13s %dx%s  fwd+bwd  Java CNHW %6.2f ms (fwd %5.2f, bwd %5.2f)"
                                        + "  NCHW op %6.2f ms (fwd %5.2f, bwd %5.2f)  ratio %5.2fx"
                                        + "  | CPU time Java CNHW %6.2f NCHW op %6.2f (process %6.2f, %6.2f)%n",
                                round, names[i], n, shape, java[0] + java[1], java[0], java[1],
                                dnnl[0] + dnnl[1], dnnl[0], dnnl[1], (java[0] + java[1]) / (dnnl[0] + dnnl[1]),
                                java[2], dnnl[2], java[3], dnnl[3]);
                    }
                }
            }
        }
    }

    /** A batch norm over {@code shape} with parameters of its own: "java", "java-nchw" or "onednn". */
    private static EngineLayer batchNorm(Shape shape, String kind) {
        int c = shape.channels();
        NativeFloats[] v = new NativeFloats[8];
        Random random = new Random(1);
        for (int i = 0; i < v.length; i++) {
            v[i] = NativeFloats.allocate(c);
            PARAMS.add(v[i]);
            for (int j = 0; j < c; j++) {
                v[i].data.put(j, 0.5f + random.nextFloat());
            }
        }
        return kind.equals("onednn")
                ? new DnnlBatchNormOp(shape, 0.9, 1e-5, false, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
                : new BatchNormOp(shape, 0.9, 1e-5, false, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                        kind.equals("java-nchw"));
    }

    /** One op with its own input, output and gradient buffers (random contents; the layout does not matter). */
    private static final class Case implements AutoCloseable {
        final EngineLayer op;
        final int n;
        final NativeFloats x;
        final NativeFloats y;
        final NativeFloats gradOut;
        final NativeFloats gradIn;

        Case(EngineLayer op, Shape in, Shape out, int n) {
            this.op = op;
            this.n = n;
            Random random = new Random(2);
            x = DnnlOpFixtures.random((long) n * in.size(), random, 0f, 1f);
            y = NativeFloats.allocate((long) n * out.size());
            gradOut = DnnlOpFixtures.random((long) n * out.size(), random, 0f, 1f);
            gradIn = NativeFloats.allocate((long) n * in.size());
        }

        /** Forward and backward wall ms per step, and this thread's and the process's CPU ms of both. */
        double[] time(int steps) {
            for (int i = 0; i < 2; i++) {
                op.forward(x, y, n, true);
                op.backward(x, y, gradOut, gradIn, n);
            }
            long forward = 0;
            long backward = 0;
            long cpu = cpuNanos();
            long process = processNanos();
            for (int i = 0; i < steps; i++) {
                long t = System.nanoTime();
                op.forward(x, y, n, true);
                long u = System.nanoTime();
                op.backward(x, y, gradOut, gradIn, n);
                backward += System.nanoTime() - u;
                forward += u - t;
            }
            cpu = cpuNanos() - cpu;
            process = processNanos() - process;
            return new double[] {forward / 1e6 / steps, backward / 1e6 / steps, cpu / 1e6 / steps,
                    process / 1e6 / steps};
        }

        @Override
        public void close() {
            op.close();
            for (NativeFloats f : new NativeFloats[] {x, y, gradOut, gradIn}) {
                f.close();
            }
        }
    }

    private static long processNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
