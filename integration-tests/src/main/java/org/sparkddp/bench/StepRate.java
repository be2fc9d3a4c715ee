package org.sparkddp.bench;

import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.worker.engine.Engines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Single-process training steps (computeGradient + step, as a worker runs them) of a config's network: DL4J's own
 * layers, then the CPU engine over a second copy, at the config's batch on random Fashion-MNIST-shaped data. Runs in
 * a child JVM with {@code OMP_NUM_THREADS=1}: ND4J reads it once, when it loads.
 *
 * <p>Usage: {@code StepRate --warmup W --steps N --input SHAPE --config FILE [--set key=value ...]}, SHAPE one
 * example's shape, {@code 784} (flat) or {@code 1,28,28} (an image, as IDX files deliver it). Prints one line
 * {@code RESULT {"dl4j_samples_per_second":..,"engine_samples_per_second":..,"engine_covers":..,"engine_class":..}}:
 * the batch over the median of N timed steps, after W warm-up steps. When the engine does not cover the network,
 * {@link Engines#forTraining} returns DL4J's own network, {@code engine_covers} is false and the engine figure is
 * DL4J's again.
 */
public final class StepRate {
    private StepRate() {
    }

    /** {@code --warmup W --steps N --input SHAPE --config FILE [--set key=value ...]}. */
    @Command(name = "StepRate")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--warmup", paramLabel = "W", required = true, description = "untimed steps first")
        int warmup;
        @Option(names = "--steps", paramLabel = "N", required = true, description = "timed steps")
        int steps;
        @Option(names = "--input", paramLabel = "SHAPE", required = true, split = ",",
                description = "one example's shape, e.g. 1,28,28")
        int[] shape;
        @Mixin
        BenchArgs.Options config;

        @Override
        public void check() {
            Benchmark.positive("--steps", steps);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = BenchOptions.parseOrExit("StepRate", new Options(), args);
        int warmup = options.warmup;
        int steps = options.steps;
        int[] shape = options.shape;
        SparkDdpConfig config = BenchArgs.load(options.config).config();
        NetworkSpec spec = NetworkSpec.of(config, shape, 10);
        int batch = config.training().batchSize();
        DataSet data = batch(batch);

        TrainableNetwork dl4j = NetworkFactory.build(spec);
        double dl4jRate = batch / medianSeconds(dl4j, data, warmup, steps);
        TrainableNetwork reference = NetworkFactory.build(spec);
        TrainableNetwork engine = Engines.forTraining(spec, reference);
        boolean covers = engine != reference;
        double engineRate = batch / medianSeconds(engine, data, warmup, steps);
        System.out.printf(Locale.ROOT, "RESULT {\"dl4j_samples_per_second\":%.1f,\"engine_samples_per_second\":%.1f,"
                + "\"engine_covers\":%b,\"engine_class\":\"%s\",\"batch\":%d,\"steps\":%d}%n", dl4jRate, engineRate,
                covers, engine.getClass().getName(), batch, steps);
    }

    /** Random pixels in [0, 1] and one-hot labels cycling through the classes. */
    private static DataSet batch(int batch) {
        Nd4j.getRandom().setSeed(42);
        DataSet data = new DataSet(Nd4j.rand(batch, 784), Nd4j.zeros(batch, 10));
        for (int i = 0; i < batch; i++) {
            data.getLabels().putScalar(i, i % 10, 1.0);
        }
        return data;
    }

    private static double medianSeconds(TrainableNetwork network, DataSet data, int warmup, int steps) {
        int batch = (int) data.getFeatures().size(0);
        long iteration = 0;
        for (int i = 0; i < warmup; i++) {
            network.computeGradient(data);
            network.step(iteration++, 0, batch);
        }
        double[] seconds = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            network.computeGradient(data);
            network.step(iteration++, 0, batch);
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(seconds);
        return seconds[steps / 2];
    }
}
