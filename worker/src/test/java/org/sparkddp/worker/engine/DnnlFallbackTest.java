package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where oneDNN does not compute a network's images (it is off, or an image layer has no NCHW kernel), the network
 * compiles the Java kernels on the channel-major layout, and the executor's log says why in one line per reason.
 */
class DnnlFallbackTest {
    private static final String CONVOLUTIONS = "model.layers=[{type=conv,filters=4,kernel=3,padding=same},"
            + "{type=conv,filters=4,kernel=3},{type=flatten},{type=dense,units=6}]";

    /** Compiles {@code settings} three times (as three replicas would); returns the log's Java-kernel lines. */
    private static List<String> linesOf(List<EngineCheck> checks, String... settings) {
        String log = EngineFallbackTest.captureLog(() -> {
            for (int replica = 0; replica < 3; replica++) {
                checks.add(EngineCheck.of(List.of(2, 8, 8), 3, settings));
            }
        });
        return log.lines().filter(l -> l.contains("Java kernels")).toList();
    }

    private static void javaKernels(EngineCheck check) {
        assertEquals(ImageLayout.CHANNEL_MAJOR, check.network().layout());
        List<EngineLayer> layers = check.network().chain();
        assertTrue(layers.stream().noneMatch(l -> l instanceof DnnlConvOp), layers.toString());
        assertTrue(layers.stream().anyMatch(l -> l instanceof ConvOp || l instanceof DirectConvOp), layers.toString());
        assertTrue(layers.stream().anyMatch(l -> l instanceof FlattenOp), layers.toString());
        // outputs only: DL4J M2's own PReLU backward fails on images (see ImageEngineTest)
        check.outputsAgree(check.batch(5, 3, true));
    }

    @Test
    void anImageLayerWithoutAnNchwKernelCompilesTheJavaKernels() {
        var checks = new ArrayList<EngineCheck>();
        List<String> lines = linesOf(checks, "model.activation=relu", "model.layers=[{type=conv,filters=4,kernel=3,"
                + "padding=same},{type=conv,filters=4,kernel=3,activation=prelu},{type=flatten},{type=dense,units=6}]");
        assertEquals(1, lines.size(), "one line for three replicas: " + lines);
        assertTrue(lines.get(0).contains("oneDNN has no kernel for layer 2 (PReLULayer): PReLU on images"),
                lines.get(0));
        checks.forEach(DnnlFallbackTest::javaKernels);
    }

    @Test
    void oneDnnOffCompilesTheJavaKernels() {
        var checks = new ArrayList<EngineCheck>();
        List<String> lines;
        System.setProperty(EngineCompiler.ONEDNN_PROPERTY, "false");
        try {
            lines = linesOf(checks, "model.activation=relu", CONVOLUTIONS);
        } finally {
            System.clearProperty(EngineCompiler.ONEDNN_PROPERTY);
        }
        // once per JVM: another class run earlier with oneDNN off may have said it already
        assertTrue(lines.size() <= 1 && lines.stream().allMatch(l -> l.contains("oneDNN is off")), lines.toString());
        checks.forEach(DnnlFallbackTest::javaKernels);
    }

    @Test
    void withOneDnnTheSameNetworkIsNchw() {
        EngineCheck check = EngineCheck.of(List.of(2, 8, 8), 3, "model.activation=relu", CONVOLUTIONS);
        assertEquals(ImageLayout.NCHW, check.network().layout());
    }
}
