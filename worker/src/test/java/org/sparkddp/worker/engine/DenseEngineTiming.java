package org.sparkddp.worker.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Not a test: times the engine's whole training step (forward, backward, Adam) of the shipped MLP's shapes
 * (conf/fashion-mnist-mlp.conf: 784-256-128-10, ReLU) at batch 128, in this thread's CPU time, the median of 5
 * rounds of 200 steps after 300 of warm-up. Run it with {@code OMP_NUM_THREADS=1}.
 *
 * <pre>java -cp worker/target/classes:worker/target/test-classes:$(deps) org.sparkddp.worker.engine.DenseEngineTiming</pre>
 */
public final class DenseEngineTiming {
    private static final int BATCH = 128;

    private DenseEngineTiming() {
    }

    public static void main(String[] args) {
        EngineCheck check = EngineCheck.of(List.of(784), 10,
                "model.layers=[{type=dense,units=256},{type=dense,units=128}]", "model.activation=relu",
                "model.weight-init=he", "optimizer.name=adam");
        DataSet batch = check.batch(BATCH, 1, true);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long iteration = 0;
        for (int i = 0; i < 300; i++) {
            check.engine.computeGradient(batch);
            check.engine.step(iteration++, 0, BATCH);
        }
        double[] ms = new double[5];
        for (int r = 0; r < ms.length; r++) {
            long t = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < 200; i++) {
                check.engine.computeGradient(batch);
                check.engine.step(iteration++, 0, BATCH);
            }
            ms[r] = (threads.getCurrentThreadCpuTime() - t) / 1e6 / 200;
        }
        Arrays.sort(ms);
        System.out.printf("MLP engine whole step %.3f ms (median of 5 x 200), %.0f samples/s (CPU time)%n", ms[2],
                BATCH * 1000 / ms[2]);
    }
}
