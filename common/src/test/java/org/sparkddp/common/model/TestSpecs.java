package org.sparkddp.common.model;

import java.util.ArrayList;
import java.util.List;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;

/** Network specs for tests, written as the config keys a user would set, so tests go through the real loader. */
public final class TestSpecs {
    private TestSpecs() {
    }

    /**
     * @param inputShape one example's shape
     * @param outputs    the output width
     * @param settings   {@code key=value} config overrides, e.g. {@code model.layers=[{type=dense,units=8}]}
     */
    public static NetworkSpec spec(List<Integer> inputShape, int outputs, String... settings) {
        SparkDdpConfig c = config(settings);
        return new NetworkSpec(c.model(), c.optimizer(), c.training().seed(), inputShape, outputs,
                c.training().batchSize());
    }

    public static SparkDdpConfig config(String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused"));
        all.addAll(List.of(settings));
        return ConfigLoader.load(null, all).config();
    }
}
