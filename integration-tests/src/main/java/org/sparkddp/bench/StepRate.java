package org.sparkddp.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.nd.FiniteSum;
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
 * {@code RESULT {"dl4j_samples_per_second":..,"engine_samples_per_second":..,"engine_covers":..,"engine_class":..,
 * "engine_step_ms":..,"assembly_ms":..,"check_ms":..}}: the batch over the median of N timed steps, after W warm-up
 * steps; then, beside the engine's step, the median of what an executor's iteration adds to it and the step leaves
 * out: assembling the batch from a shard cached in memory, and the divergence check. When the engine does not cover
 * the network, {@link Engines#forTraining} returns DL4J's own network, {@code engine_covers} is false and the engine
 * figure is DL4J's again.
 */
public final class StepRate {
    /** Examples in a worker's shard of Fashion-MNIST's 60,000 on 2 workers. */
    private static final int SHARD_ROWS = 30_000;

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
        double engineSeconds = medianSeconds(engine, data, warmup, steps);
        double assembly = medianAssemblySeconds(batch, warmup, steps);
        double check = median(warmup, steps, () -> FiniteSum.of(engine.gradients()));
        System.out.printf(Locale.ROOT, "RESULT {\"dl4j_samples_per_second\":%.1f,\"engine_samples_per_second\":%.1f,"
                + "\"engine_covers\":%b,\"engine_class\":\"%s\",\"batch\":%d,\"steps\":%d,\"engine_step_ms\":%.4f,"
                + "\"assembly_ms\":%.4f,\"check_ms\":%.4f}%n", dl4jRate, batch / engineSeconds, covers,
                engine.getClass().getName(), batch, steps, engineSeconds * 1e3, assembly * 1e3, check * 1e3);
    }

    /**
     * What an executor's iteration adds to the step before it (see {@code RankContext.computeGradient}): a batch
     * of random rows assembled from a shard of pixels cached in memory, as the shipped jobs cache theirs, into
     * reusable native arrays ({@link MinibatchBuffer}).
     */
    private static double medianAssemblySeconds(int batch, int warmup, int steps) {
        ShardBuilder builder = ShardBuilder.images(new int[] {1, 28, 28}, 10);
        Random random = new Random(42);
        byte[] image = new byte[28 * 28];
        for (int i = 0; i < SHARD_ROWS; i++) {
            random.nextBytes(image);
            builder.addImage(image, 0, i % 10);
        }
        LabeledExamples shard = builder.build();
        MinibatchBuffer buffer = new MinibatchBuffer(batch, shard.numFeatures(), shard.targetWidth());
        int[] rows = new int[batch];
        return median(warmup, steps, () -> {
            for (int i = 0; i < batch; i++) {
                rows[i] = random.nextInt(SHARD_ROWS);
            }
            return buffer.assemble(shard, rows);
        });
    }

    /** The median seconds of {@code steps} calls of {@code work}, after {@code warmup} untimed ones. */
    private static double median(int warmup, int steps, java.util.function.Supplier<Object> work) {
        for (int i = 0; i < warmup; i++) {
            work.get();
        }
        double[] seconds = new double[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            work.get();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        Arrays.sort(seconds);
        return seconds[steps / 2];
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
        long[] iteration = {0};
        return median(warmup, steps, () -> {
            network.computeGradient(data);
            network.step(iteration[0]++, 0, batch);
            return null;
        });
    }
}
