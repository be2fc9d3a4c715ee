package org.sparkddp.bench;

import java.util.Locale;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Times a few DL4J training steps (forward, backward, Adam) of a config's network on one core, on random
 * Fashion-MNIST-shaped batches, for the scaling benchmark's predictions: the compute that an all-reduce is set
 * beside. Runs in a child JVM with {@code OMP_NUM_THREADS=1}, as one executor core would.
 *
 * <p>Usage: {@code ComputeStep --steps N --config FILE [--set key=value ...]}; the batch is the config's
 * {@code training.batch-size} (the per-worker batch). Prints {@code RESULT {"parameters":P,"step_ms":T}}: the
 * median of N timed steps after one warm-up step.
 */
public final class ComputeStep {
    private static final int[] FASHION_SHAPE = {1, 28, 28};

    private ComputeStep() {
    }

    /** {@code --steps N --config FILE [--set key=value ...]}. */
    @Command(name = "ComputeStep")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--steps", paramLabel = "N", required = true, description = "timed steps")
        int steps;
        @Mixin
        BenchArgs.Options config;

        @Override
        public void check() {
            Benchmark.positive("--steps", steps);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("ComputeStep", new Options(), args);
        int steps = options.steps;
        SparkDdpConfig config = BenchArgs.load(options.config).config();
        NetworkSpec spec = NetworkSpec.of(config, FASHION_SHAPE, 10);
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        network.init();
        int batch = config.training().batchSize();
        Nd4j.getRandom().setSeed(42);
        DataSet data = new DataSet(Nd4j.rand(batch, 784), Nd4j.zeros(batch, 10));
        for (int i = 0; i < batch; i++) {
            data.getLabels().putScalar(i, i % 10, 1.0);
        }
        network.fit(data); // warm-up: JIT, workspaces
        double[] ms = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            network.fit(data);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "RESULT {\"parameters\":%d,\"step_ms\":%.3f}%n", network.numParams(),
                ms[steps / 2]);
    }
}
