package org.sparkddp.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.worker.engine.EngineLayerTimes;

/**
 * The engine's step timed layer by layer (what the scaling benchmark replays): one entry per DL4J layer, in layer
 * order, with that layer's parameters, so that the replay's buckets are the gradient's real layers. No time is
 * asserted beyond being a time.
 */
class LayerTimesTest {
    @Test
    void eachDl4jLayerGetsItsParametersAndABackwardTime() {
        NetworkSpec spec = spec("model.layers=[{type=conv,filters=4,kernel=3,padding=same},{type=max-pool,kernel=2},"
                + "{type=dense,units=8}]");
        EngineLayerTimes.StepTimes t = EngineLayerTimes.measure(spec, LayerTimesStep.randomBatch(16), 2);
        List<String> types = t.layers().stream().map(EngineLayerTimes.LayerTime::type).toList();
        assertEquals(List.of("ConvolutionLayer", "SubsamplingLayer", "DenseLayer", "OutputLayer"), types);
        assertEquals(List.of(4L * 9 + 4, 0L, 4L * 14 * 14 * 8 + 8, 8L * 10 + 10),
                t.layers().stream().map(EngineLayerTimes.LayerTime::params).toList());
        assertEquals(t.parameters(), t.layers().stream().mapToLong(EngineLayerTimes.LayerTime::params).sum());
        for (EngineLayerTimes.LayerTime layer : t.layers()) {
            assertTrue(layer.backwardMs() >= 0, layer.toString());
        }
        assertTrue(t.forwardMs() >= 0 && t.updateMs() >= 0 && t.wholeMs() >= 0, t.toString());
    }

    @Test
    void aNetworkTheEngineDoesNotCoverIsRefusedInOneLine() {
        NetworkSpec spec = spec("model.layers=[{type=dense,units=8}]", "model.activation=softmax");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EngineLayerTimes.measure(spec, LayerTimesStep.randomBatch(4), 1));
        assertTrue(e.getMessage().contains("does not cover"), e.getMessage());
    }

    private static NetworkSpec spec(String... settings) {
        List<String> all = new ArrayList<>(List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "training.batch-size=16"));
        all.addAll(List.of(settings));
        SparkDdpConfig c = ConfigLoader.load(null, all).config();
        return NetworkSpec.of(c, new int[] {1, 28, 28}, 10);
    }
}
