package org.sparkddp.bench;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.output.Json;
import org.sparkddp.worker.engine.EngineLayerTimes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Times a config's network on the CPU engine layer by layer ({@link EngineLayerTimes}) on one thread, at the config's
 * batch, on random Fashion-MNIST-shaped batches, for the scaling benchmark's replay of back-propagation. Runs in a
 * child JVM with {@code OMP_NUM_THREADS=1}, as one executor core would.
 *
 * <p>Usage: {@code LayerTimesStep --model NAME --steps N --config FILE [--set key=value ...]}. Prints
 * {@code RESULT} and a {@link LayerSchedule} as one JSON line: the medians of N timed steps after a warm-up step.
 */
public final class LayerTimesStep {
    private static final int[] FASHION_SHAPE = {1, 28, 28};

    private LayerTimesStep() {
    }

    /** {@code --model NAME --steps N --config FILE [--set key=value ...]}. */
    @Command(name = "LayerTimesStep")
    static final class Options implements BenchOptions.Checked {
        @Option(names = "--model", paramLabel = "NAME", required = true, description = "the model's name in the report")
        String model;
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
        Options options = BenchOptions.parseOrExit("LayerTimesStep", new Options(), args);
        SparkDdpConfig config = BenchArgs.load(options.config).config();
        NetworkSpec spec = NetworkSpec.of(config, FASHION_SHAPE, 10);
        int batch = config.training().batchSize();
        EngineLayerTimes.StepTimes t = EngineLayerTimes.measure(spec, randomBatch(batch), options.steps);
        List<LayerSchedule.Layer> layers = t.layers().stream()
                .map(l -> new LayerSchedule.Layer(l.type(), l.params(), l.backwardMs())).toList();
        LayerSchedule schedule = new LayerSchedule(options.model, t.parameters(), t.forwardMs(), layers, t.updateMs(),
                t.sharded(), t.wholeMs());
        System.out.println("RESULT " + Json.line(schedule));
    }

    /** Fashion-MNIST-shaped rows: pixels in [0, 1), one-hot labels cycling through the 10 classes. */
    static DataSet randomBatch(int batch) {
        Nd4j.getRandom().setSeed(42);
        // rows of the identity, tiled and cut to the batch
        INDArray labels = Nd4j.tile(Nd4j.eye(10).castTo(DataType.FLOAT), (batch + 9) / 10, 1)
                .get(NDArrayIndex.interval(0, batch), NDArrayIndex.all()).dup();
        return new DataSet(Nd4j.rand(batch, 784), labels);
    }
}
