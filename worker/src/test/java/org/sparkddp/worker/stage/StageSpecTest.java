package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.collective.WireSecret;

/**
 * A stage's spec crosses to the executors inside the task closure, which Spark writes with Java serialization: every
 * part must arrive whole. Its parts' checks name what is wrong.
 */
class StageSpecTest {
    private static final NetworkSpec NETWORK = network();

    private static NetworkSpec network() {
        SparkDdpConfig config = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "model.layers=[{type=dense,units=8}]"))
                .config();
        return new NetworkSpec(config.model(), config.optimizer(), 7, List.of(12), 4, 30);
    }

    private static StageSpec spec(long firstGlobalIteration, long stateIteration) {
        return new StageSpec(
                new StageSpec.Model("spec-test", NETWORK, TrainingMode.SYNC, 1, true, LocalSgdConfig.PLAIN),
                new StageSpec.Data(7, 2, VirtualShards.of(300, 16), 3, 30, new Augmentation(true, 2)),
                new StageSpec.Span(4, 9, firstGlobalIteration, Duration.ofSeconds(5)),
                new StageSpec.State(new StateVersion("spec-test", 3, stateIteration, 2, 100, 200, 64,
                        new long[] {1, 2, 3, 4, 5}, StateVersion.Home.BLOCKS, 5, null), 6, true),
                new StageSpec.Wire(CollectiveKind.RING, "127.0.0.1:4000", WireSecret.of("s3cret"),
                        Duration.ofSeconds(20), WireFormat.BF16));
    }

    @Test
    void everyPartCrossesJavaSerializationWhole() throws IOException, ClassNotFoundException {
        StageSpec spec = spec(64, 64);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        StageSpec read;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            read = (StageSpec) in.readObject();
        }
        assertEquals(spec, read);
        assertEquals(new Augmentation(true, 2), read.data().augment(), "the augmentation");
        assertEquals(new VirtualShards(300, 16), read.plan().shards(), "the epoch's cut");
    }

    @Test
    void aStateNotAtTheStagesFirstIterationIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(64, 63));
        assertTrue(e.getMessage().contains("is not at the stage's first iteration 64"), e.getMessage());
    }

    @Test
    void partsCheckThemselves() {
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Span(5, 5, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Span(0, 5, 0, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Data(7, 0, VirtualShards.of(300, 16), 3, 30,
                null));
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Wire(null, "127.0.0.1:1",
                WireSecret.of("s"), Duration.ofSeconds(1), WireFormat.FP32));
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Wire(CollectiveKind.RING, "127.0.0.1:1",
                WireSecret.of("s"), Duration.ofSeconds(1), null));
        assertThrows(IllegalArgumentException.class, () -> new StageSpec.Model("m", NETWORK, TrainingMode.SYNC, 1,
                true, null));
        // Averaging with an outer momentum needs a network whose optimizer state carries the momentum buffer.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StageSpec.Model("m",
                NETWORK, TrainingMode.AVERAGE, 4, false, new LocalSgdConfig(0, 1.0, 0.9)));
        assertTrue(e.getMessage().contains("lacks the outer momentum buffer"), e.getMessage());
        new StageSpec.Model("m", NETWORK, TrainingMode.AVERAGE, 4, false, LocalSgdConfig.PLAIN);
    }
}
