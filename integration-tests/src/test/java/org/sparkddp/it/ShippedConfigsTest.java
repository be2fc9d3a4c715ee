package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntToDoubleFunction;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.ClassicMomentum;
import org.sparkddp.common.model.NetworkDescription;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.driver.data.Datasets;

/**
 * Every config shipped in {@code conf/} parses, loads its data (IDX configs: the committed subset, same shape) and
 * builds the network its comments describe: the parameter counts below are worked out by hand from each file's layers
 * (not from our code), and the optimizer, learning-rate schedule and batch size are read back from the built DL4J
 * network and compared with the file's values. A new file in {@code conf/} needs its own row here.
 */
class ShippedConfigsTest {
    private static final int[] IMAGE = {1, 28, 28};

    /**
     * What a file must build.
     *
     * @param rate              the learning rate at each iteration, written from the file's optimizer section
     * @param runningStatistics batch norm's running means and variances, two per channel of each batch norm
     * @param l2                the L2 penalty on every trained layer's weights
     */
    private record Expected(int[] inputShape, int outputs, long params, long runningStatistics, String kind,
                            Class<? extends IUpdater> updater, IntToDoubleFunction rate, double l2, int batchSize) {
    }

    private static final Map<String, Expected> EXPECTED = Map.of(
            // conv 3x3x1 -> 32: 32*9 + 32 = 320; batch norm: 4*32 = 128 (gamma, beta, mean, variance);
            // conv 3x3x32 -> 64: 64*32*9 + 64 = 18,496; batch norm: 256; dense 64*7*7 -> 256: 3,136*256 + 256 =
            // 803,072; output 256 -> 10: 2,570. Total 824,842. Adam 0.002 on a cosine over 24 epochs of 469
            // iterations, stepped once an epoch: the value at each epoch's first iteration, the last epoch's after.
            "fashion-mnist-cnn.conf", new Expected(IMAGE, 10, 824_842, 2 * (32 + 64), " CNN", Adam.class,
                    i -> 0.002 * (1 + Math.cos(Math.PI * Math.min(i / 469, 23) * 469 / 11_256)) / 2, 0, 128),
            // 784 -> 256: 784*256 + 256 = 200,960; 256 -> 128: 32,896; 128 -> 10: 1,290. Total 235,146. Adam 0.001,
            // halved every 2,345 iterations.
            "fashion-mnist-hdfs.conf", new Expected(IMAGE, 10, 235_146, 0, " MLP", Adam.class,
                    i -> 0.001 * Math.pow(0.5, i / 2345), 0, 128),
            "fashion-mnist-mlp.conf", new Expected(IMAGE, 10, 235_146, 0, " MLP", Adam.class,
                    i -> 0.001 * Math.pow(0.5, i / 2345), 0, 128),
            // stem conv 3x3x1 -> 16: 160, batch norm 64; block 1 (identity shortcut): two convs 3x3x16 -> 16 of
            // 16*16*9 + 16 = 2,320 and two batch norms of 64: 4,768; block 2 (projection): 1x1x16 -> 32: 544,
            // 3x3x16 -> 32: 4,640, 3x3x32 -> 32: 9,248, three batch norms of 128: 14,816; output 32 -> 10: 330.
            // Total 20,138. Running statistics: 2 * (16 + 16 + 16 + 32 + 32 + 32) = 288.
            "fashion-mnist-resnet.conf", new Expected(IMAGE, 10, 20_138, 288, " ResNet", Adam.class,
                    i -> 0.002 * Math.pow(0.5, i / 469), 0, 128),
            // 2 -> 32: 96; 32 -> 32: 1,056; 32 -> 1: 33. Total 1,185.
            "moons-binary-csv.conf", new Expected(new int[] {2}, 1, 1_185, 0, " MLP", Adam.class, i -> 0.01, 0, 64),
            // 8 -> 64: 576; 64 -> 32: 2,080; 32 -> 1: 33. Total 2,689. Momentum (0.9) at 0.02, ramped up over 50
            // iterations ((i + 1) / 50 of the rate) and times 0.999 per iteration; L2 1e-4.
            "regression-csv.conf", new Expected(new int[] {8}, 1, 2_689, 0, " MLP", ClassicMomentum.class,
                    i -> 0.02 * Math.pow(0.999, i) * Math.min(1.0, (i + 1) / 50.0), 1e-4, 64));

    /** Iterations at which the learning rate is read back: warmup, its end, each step of a schedule, past its end. */
    private static final int[] AT = {0, 1, 24, 49, 50, 468, 469, 1406, 1407, 1875, 1876, 2344, 2345, 2814, 5000,
        10_786, 10_787, 11_256, 20_000};

    static Stream<String> configs() throws IOException {
        try (Stream<Path> files = Files.list(TestData.REPO.resolve("conf"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".conf")).sorted().toList()
                    .stream();
        }
    }

    @Test
    void everyShippedConfigHasItsExpectations() throws IOException {
        assertEquals(new TreeSet<>(EXPECTED.keySet()), new TreeSet<>(configs().toList()));
    }

    @ParameterizedTest
    @MethodSource("configs")
    void parsesLoadsItsDataAndBuildsTheNetworkItDescribes(String name) throws IOException {
        Expected expected = EXPECTED.get(name);
        Path file = TestData.REPO.resolve("conf").resolve(name);
        ConfigLoader.Loaded raw = ConfigLoader.load(new ConfigLoader.Source(file.toString(), Files.readString(file)),
                List.of());
        List<String> overrides = new ArrayList<>();
        if (raw.config().data().format() == DataFormat.IDX) {
            overrides.addAll(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST));
        } else {
            // Tabular example data lives in the repository; the file's relative paths are from its root.
            overrides.addAll(List.of("data.train=" + TestData.REPO.resolve(raw.config().data().train()),
                    "data.test=" + TestData.REPO.resolve(raw.config().data().test())));
        }
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source(file.toString(),
                Files.readString(file)), overrides);
        Datasets data = TestData.load(loaded);
        assertArrayEquals(expected.inputShape(), data.train().inputShape(), "input shape");
        assertEquals(expected.outputs(), data.train().targetWidth(), "classes or target columns");
        assertEquals(expected.batchSize(), loaded.config().training().batchSize(), "training.batch-size");

        NetworkSpec spec = NetworkSpec.of(loaded.config(), data.train().inputShape(), data.train().targetWidth());
        TrainableNetwork network = NetworkFactory.build(spec);
        assertEquals(expected.params(), network.params().length(), "parameter count");
        assertEquals(expected.runningStatistics(), network.runningStatistics().stream().mapToLong(r -> r[1] - r[0])
                .sum(), "batch norm running statistics");
        String description = NetworkDescription.of(spec);
        assertTrue(description.endsWith(expected.kind()), name + " built " + description);
        // The network takes the data's rows and gives one output per target column (or class).
        assertEquals(expected.outputs(),
                network.output(Minibatches.assemble(data.test(), new int[] {0, 1}).getFeatures()).columns());

        // Every trained layer of the DL4J network got the file's optimizer and learning-rate schedule.
        int trained = 0;
        for (Layer layer : layers(network)) {
            if (layer.numParams() > 0 && layer.conf().getLayer() instanceof BaseLayer base) {
                IUpdater updater = base.getIUpdater();
                assertInstanceOf(expected.updater(), updater, layer.conf().getLayer().getLayerName());
                for (int i : AT) {
                    assertEquals(expected.rate().applyAsDouble(i), updater.getLearningRate(i, 0),
                            1e-12 * expected.rate().applyAsDouble(0), "learning rate at iteration " + i);
                }
                if (updater instanceof ClassicMomentum momentum) {
                    assertEquals(0.9, momentum.getMomentum(), 0.0, "momentum.momentum"); // regression-csv.conf
                }
                double l2 = base.getRegularization().stream().filter(L2Regularization.class::isInstance)
                        .mapToDouble(r -> ((L2Regularization) r).getL2().valueAt(0, 0)).sum();
                assertEquals(expected.l2(), l2, 0.0, "model.l2");
                trained++;
            }
        }
        assertTrue(trained >= 3, "found only " + trained + " trained layers");
    }

    private static Layer[] layers(TrainableNetwork network) {
        return network.dl4jModel() instanceof ComputationGraph graph ? graph.getLayers()
                : ((MultiLayerNetwork) network.dl4jModel()).getLayers();
    }
}
