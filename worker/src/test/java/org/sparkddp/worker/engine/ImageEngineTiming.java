package org.sparkddp.worker.engine;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Not a test: times one training step's forward and backward pass of the shipped CNN (conf/fashion-mnist-cnn.conf's
 * layers on 1x28x28) under DL4J's layers and under the engine, at batch 64 and 128, and the engine's layers one by
 * one, on the Java kernels, then on oneDNN's with plain NCHW activations, then with activations blocked between its
 * image ops ({@link DnnlLayouts}). Run it with one BLAS thread ({@code OMP_NUM_THREADS=1}); compare
 * the figures of one run. Times are this
 * thread's CPU time (with one BLAS thread every op runs on it), which a loaded machine disturbs less than wall time.
 *
 * <pre>java -cp worker/target/classes:worker/target/test-classes:$(deps) org.sparkddp.worker.engine.ImageEngineTiming [steps] [engine]</pre>
 */
public final class ImageEngineTiming {
    private static final String SHIPPED_CNN = "model.layers=["
            + "{type=conv,filters=32,kernel=3,padding=same},{type=batch-norm},{type=max-pool,kernel=2},"
            + "{type=conv,filters=64,kernel=3,padding=same},{type=batch-norm},{type=max-pool,kernel=2},"
            + "{type=flatten},{type=dense,units=128},{type=dropout,rate=0.4}]";

    private ImageEngineTiming() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        boolean dl4jToo = args.length < 2 || !args[1].equals("engine"); // "engine": skip DL4J's (slow) layers
        // the Java kernels (channel-major), then oneDNN's (NCHW) with plain and with blocked activations between its
        // image ops (DnnlLayouts), back to back in one run
        for (int variant = 0; variant < 3; variant++) {
            boolean oneDnn = variant > 0;
            System.setProperty(EngineCompiler.ONEDNN_PROPERTY, Boolean.toString(oneDnn));
            System.setProperty(DnnlLayouts.BLOCKED_PROPERTY, Boolean.toString(variant == 2));
            EngineCheck check = EngineCheck.of(List.of(1, 28, 28), 10, SHIPPED_CNN, "model.activation=relu",
                    "model.weight-init=he", "optimizer.name=adam");
            System.out.printf("== %s kernels, %s layout%s%n", oneDnn ? "oneDNN's" : "Java", check.network().layout(),
                    variant == 2 ? ", blocked between oneDNN's image ops" : "");
            time(check, steps, dl4jToo && !oneDnn);
            System.out.printf("threads in this JVM after the runs: %d%n", threads());
        }
    }

    /** The JVM's threads (Java's and native ones, such as an OpenMP pool), from /proc. */
    private static int threads() throws java.io.IOException {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        }
    }

    private static void time(EngineCheck check, int steps, boolean dl4jToo) {
        for (int n : new int[] {64, 128}) {
            DataSet batch = check.batch(n, 1, true);
            double dl4j = dl4jToo ? msPerStep(() -> check.dl4j.computeGradient(batch), steps) : Double.NaN;
            long process = processCpuNanos();
            long wall = System.nanoTime();
            double engine = msPerStep(() -> check.engine.computeGradient(batch), steps);
            // more process than thread CPU time: someone (an OpenMP pool) computed on other threads
            System.out.printf("batch %d: process CPU / thread CPU over the engine's steps %.2f, wall / thread %.2f%n",
                    n, (processCpuNanos() - process) / 1e6 / (steps + 3) / engine,
                    (System.nanoTime() - wall) / 1e6 / (steps + 3) / engine);
            System.out.printf("batch %d: DL4J %.1f ms/step, engine %.1f ms/step (%.2fx), engine %.0f samples/s (CPU time)%n",
                    n, dl4j, engine, dl4j / engine, n * 1000 / engine);
            // the whole training step: forward, backward and the Adam update, as the engine runs it in a task
            long[] iteration = {0};
            double whole = msPerStep(() -> {
                check.engine.computeGradient(batch);
                check.engine.step(iteration[0]++, 0, n);
            }, steps);
            System.out.printf("batch %d: engine whole step %.1f ms, %.0f samples/s (CPU time)%n", n, whole,
                    n * 1000 / whole);
            perLayer((EngineTrainable) check.engine, batch, steps);
            // the second convolution's three matrix products alone (64 filters, 32x3x3 rows, n*14*14 columns)
            int cols = n * 14 * 14;
            sgemm("conv2 forward  W x col", false, false, 64, cols, 288, steps);
            sgemm("conv2 dW       dOut x col^T", false, true, 64, 288, cols, steps);
            sgemm("conv2 dCol     W^T x dOut", true, false, 288, cols, 64, steps);
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Times {@code C[m x n] = op(A)[m x k] op(B)[k x n]} and prints ms and GFLOP/s. */
    private static void sgemm(String what, boolean ta, boolean tb, int m, int n, int k, int steps) {
        try (NativeFloats a = NativeFloats.allocate((long) m * k); NativeFloats b = NativeFloats.allocate((long) k * n);
             NativeFloats c = NativeFloats.allocate((long) m * n)) {
            int lda = ta ? m : k;
            int ldb = tb ? k : n;
            double ms = msPerStep(() -> Blas.sgemm(ta, tb, m, n, k, 1f, a.at(0), lda, b.at(0), ldb, 0f, c.at(0), n),
                    steps);
            System.out.printf("  sgemm %-28s %5d x %6d x %5d: %6.2f ms, %5.1f GFLOP/s%n", what, m, n, k, ms,
                    2.0 * m * n * k / ms / 1e6);
        }
    }

    /** Each engine layer's forward and backward time, on buffers of its own. */
    private static void perLayer(EngineTrainable trainable, DataSet batch, int steps) {
        List<EngineLayer> layers = trainable.engine().chain();
        int n = Math.toIntExact(batch.getFeatures().size(0));
        List<NativeFloats> acts = new ArrayList<>();
        List<NativeFloats> grads = new ArrayList<>();
        acts.add(NativeFloats.of(batch.getFeatures().dup('c')));
        grads.add(null);
        for (EngineLayer layer : layers) {
            acts.add(NativeFloats.allocate((long) n * layer.out().size()));
            grads.add(NativeFloats.allocate((long) n * layer.out().size()));
        }
        double[] forward = new double[layers.size()];
        double[] backward = new double[layers.size()];
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up
            java.util.Arrays.fill(forward, 0);
            java.util.Arrays.fill(backward, 0);
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < layers.size(); i++) {
                    long t = cpuNanos();
                    layers.get(i).forward(acts.get(i), acts.get(i + 1), n, true);
                    forward[i] += (cpuNanos() - t) / 1e6 / steps;
                }
                for (int i = layers.size() - 1; i >= 0; i--) {
                    long t = cpuNanos();
                    layers.get(i).backward(acts.get(i), acts.get(i + 1), grads.get(i + 1), grads.get(i), n);
                    backward[i] += (cpuNanos() - t) / 1e6 / steps;
                }
            }
        }
        for (int i = 0; i < layers.size(); i++) {
            System.out.printf("  %-2d %-14s -> %-9s forward %7.2f ms  backward %7.2f ms%n", i,
                    layers.get(i).getClass().getSimpleName(), layers.get(i).out(), forward[i], backward[i]);
        }
    }

    private static double msPerStep(Runnable step, int steps) {
        for (int i = 0; i < 3; i++) {
            step.run();
        }
        long t = cpuNanos();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        return (cpuNanos() - t) / 1e6 / steps;
    }

    /** This thread's CPU time. */
    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
