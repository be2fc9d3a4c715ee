package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.model.NetworkDescription;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.driver.data.Datasets;

/**
 * Every config shipped in {@code conf/} parses, loads its data (IDX configs: the committed subset, same shape) and
 * builds its network, whose kind matches the file's name.
 */
class ShippedConfigsTest {
    static Stream<String> configs() throws IOException {
        try (Stream<Path> files = Files.list(TestData.REPO.resolve("conf"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".conf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void parsesLoadsItsDataAndBuildsItsNetwork(String name) throws IOException {
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
        Datasets data = Datasets.load(loaded.config().data(), TargetKind.of(loaded.config().model()),
                new Configuration());
        NetworkSpec spec = NetworkSpec.of(loaded.config(), data.train().inputShape(), data.train().targetWidth());
        TrainableNetwork network = NetworkFactory.build(spec);
        assertTrue(network.params().length() > 0);
        String description = NetworkDescription.of(spec);
        String kind = name.contains("resnet") ? " ResNet" : name.contains("cnn") ? " CNN" : " MLP";
        assertTrue(description.endsWith(kind), name + " built " + description);
        // The network takes the data's rows and gives one output per target column (or class).
        assertEquals(data.test().targetWidth(),
                network.output(Minibatches.assemble(data.test(), new int[] {0, 1}).getFeatures()).columns());
    }
}
