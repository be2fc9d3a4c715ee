package org.sparkddp.driver.export;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparkddp.common.config.ActivationName;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;

/**
 * Networks as spark-ddp's own configs build them (NetworkFactory, not hand-made DL4J layers), with every hidden
 * activation a config accepts, PReLU's separate layer and a residual block's activation layers included (with
 * random parameters, batch-norm statistics among them): each exports to a model that onnxruntime runs to DL4J's
 * outputs.
 */
class ConfigNetworksExportTest {
    @TempDir
    Path dir;

    private static NetworkSpec spec(String model, int[] inputShape, int outputs) {
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source("test.conf", model),
                List.of("data.train=unused-train.csv", "data.test=unused-test.csv", "data.format=csv",
                        "output.dir=unused-output"));
        return NetworkSpec.of(loaded.config(), inputShape, outputs);
    }

    @ParameterizedTest
    @EnumSource(value = ActivationName.class, names = {"SOFTMAX", "PRELU"}, mode = EnumSource.Mode.EXCLUDE)
    void aResidualNetworkWithEachActivation(ActivationName activation) throws Exception {
        NetworkSpec spec = spec("""
                model {
                  layers = [
                    { type = conv, filters = 4, kernel = 3, padding = same }
                    { type = batch-norm }
                    { type = residual, filters = 4 }
                    { type = residual, filters = 6, stride = 2 }
                    { type = avg-pool, kernel = 2 }
                    { type = flatten }
                    { type = dense, units = 5 }
                    { type = dropout, rate = 0.3 }
                  ]
                  activation = %s
                  output { activation = softmax, loss = cross-entropy }
                }
                """.formatted(activation.configName()), new int[] {1, 8, 8}, 3);
        var network = NetworkFactory.build(spec).dl4jModel();
        ExportFixture.randomize(network);
        ExportFixture.exportedMatches(network, 64, dir);
    }

    /** PReLU (which spark-ddp allows outside residual networks only): one slope per channel, then per unit. */
    @org.junit.jupiter.api.Test
    void aConvolutionalNetworkWithPrelu() throws Exception {
        NetworkSpec spec = spec("""
                model {
                  layers = [
                    { type = conv, filters = 3, kernel = 3, padding = same }
                    { type = batch-norm }
                    { type = max-pool, kernel = 2 }
                    { type = flatten }
                    { type = dense, units = 5 }
                    { type = dropout, rate = 0.3 }
                  ]
                  activation = prelu
                  output { activation = softmax, loss = cross-entropy }
                }
                """, new int[] {2, 6, 6}, 4);
        var network = NetworkFactory.build(spec).dl4jModel();
        ExportFixture.randomize(network);
        ExportFixture.exportedMatches(network, 72, dir);
    }

    @ParameterizedTest
    @EnumSource(value = ActivationName.class, names = {"SIGMOID", "IDENTITY"})
    void aTabularNetworkWithEachOutput(ActivationName output) throws Exception {
        NetworkSpec spec = spec("""
                model {
                  layers = [{ type = dense, units = 6 }, { type = batch-norm }, { type = dense, units = 4 }]
                  activation = prelu
                  output { activation = %s, loss = %s }
                }
                """.formatted(output.configName(), output == ActivationName.SIGMOID ? "binary-cross-entropy" : "mse"),
                new int[] {5}, 1);
        var network = NetworkFactory.build(spec).dl4jModel();
        ExportFixture.randomize(network);
        ExportFixture.exportedMatches(network, 5, dir);
    }
}
