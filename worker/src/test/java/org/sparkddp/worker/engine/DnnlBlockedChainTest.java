package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Activations kept in oneDNN's blocked layout between its image ops ({@link DnnlLayouts}) against DL4J: gradients
 * and scores of training passes, parameters over several Adam steps (batch norm's running statistics among them),
 * a smaller last batch, and inference outputs (batch norm on its running statistics). Channel counts that are not a
 * multiple of 16 stay plain, with oneDNN's convolutions and the Java batch norm; the network mixes both.
 */
class DnnlBlockedChainTest {
    /** The network compiled with blocked activations on (the switch is read when a network is compiled). */
    private static EngineCheck blocked(int inputChannels, String layers) {
        return blockedOn(() -> EngineCheck.of(List.of(inputChannels, 10, 10), 4, "model.activation=relu",
                "model.weight-init=he", "optimizer.name=adam", "optimizer.learning-rate=0.005",
                "model.layers=[" + layers + ",{type=flatten},{type=dense,units=8}]"));
    }

    /** {@code compile}'s result, with the blocked layout's switch on while it runs. */
    private static <T> T blockedOn(Supplier<T> compile) {
        String before = System.getProperty(DnnlLayouts.BLOCKED_PROPERTY);
        System.setProperty(DnnlLayouts.BLOCKED_PROPERTY, "true");
        try {
            return compile.get();
        } finally {
            if (before == null) {
                System.clearProperty(DnnlLayouts.BLOCKED_PROPERTY);
            } else {
                System.setProperty(DnnlLayouts.BLOCKED_PROPERTY, before);
            }
        }
    }

    private static long count(EngineCheck check, Class<?> type) {
        return check.network().chain().stream().filter(type::isInstance).count();
    }

    /**
     * conv(a)-BN-max-pool-conv(b)-BN-avg-pool: blocked where a channel count is a multiple of 16, with one reorder
     * before the flatten when the last image op is blocked.
     */
    @ParameterizedTest
    @CsvSource({"3,32,16", "1,16,32", "3,20,40", "2,32,20", "3,40,32"})
    void trainsAndInfersAsDl4j(int inputChannels, int first, int second) {
        EngineCheck check = blocked(inputChannels, "{type=conv,filters=" + first + ",kernel=3,padding=same},"
                + "{type=batch-norm},{type=max-pool,kernel=2},{type=conv,filters=" + second + ",kernel=3},"
                + "{type=batch-norm},{type=avg-pool,kernel=2}");
        long blockedNorms = (first % 16 == 0 ? 1 : 0) + (second % 16 == 0 ? 1 : 0);
        assertEquals(blockedNorms, count(check, DnnlBatchNormOp.class), check.network().chain().toString());
        assertEquals(2 - blockedNorms, count(check, BatchNormOp.class), check.network().chain().toString());
        // one reorder, before the flatten, where the last image ops are blocked; the second convolution reads either
        assertEquals(second % 16 == 0 ? 1 : 0, count(check, DnnlReorder.class), check.network().chain().toString());
        trainsAsDl4j(check, 8, 8, 5, 8);
    }

    /**
     * Trained on one thread, closed on a second, and a new replica of the same shapes trained on a third: the blocked
     * batch norm's, pooling's and reorder's primitives have scratchpads of their own, as the convolution's do.
     */
    @Test
    void trainsClosesAndRebuildsOnThreeThreads() throws Exception {
        String layers = "{type=conv,filters=16,kernel=3,padding=same},{type=batch-norm},{type=max-pool,kernel=2}";
        EngineCheck first = blocked(2, layers);
        assertEquals(1, count(first, DnnlReorder.class), first.network().chain().toString());
        CompletableFuture.runAsync(() -> trainsAsDl4j(first, 6, 5)).get(5, TimeUnit.MINUTES);
        CompletableFuture.runAsync(first.engine::close).get(5, TimeUnit.MINUTES);
        CompletableFuture.runAsync(() -> trainsAsDl4j(blocked(2, layers), 6, 5, 6)).get(5, TimeUnit.MINUTES);
    }

    /**
     * An op that refuses its layout part-way through {@link DnnlLayouts#assign} leaves the blocked batch norm made
     * before it (three native buffers of its own) in the list whose owner closes it on failure, as the compiler does:
     * closing that list gives back every native byte.
     */
    @Test
    void aLayoutRefusedPartWayLeavesNoNativeBufferBehind() {
        int channels = 1024; // the batch norm's three buffers hold 12 KiB: a leak would stand out
        Shape image = Shape.image(channels, 1, 1);
        NativeFloats[] p = new NativeFloats[8]; // the batch norm's parameters and gradients
        for (int i = 0; i < p.length; i++) {
            p[i] = NativeFloats.allocate(channels);
        }
        try (NativeFloats one = NativeFloats.allocate(1)) {
            int[] unit = {1, 1};
            List<EngineNetwork.Node> nodes = new ArrayList<>(List.of(
                    EngineNetwork.Node.layer(new DnnlConvOp(Shape.image(1, 1, 1), image, unit, unit, new int[2],
                            new int[2], false, one, one, one, one), EngineNetwork.INPUT),
                    EngineNetwork.Node.layer(new BatchNormOp(image, 0.9, 1e-5, false, p[0], p[1], p[2], p[3], p[4],
                            p[5], p[6], p[7], true), 0),
                    EngineNetwork.Node.layer(new RefusesLayouts(image), 1)));
            long before = Pointer.totalBytes();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> blockedOn(() -> DnnlLayouts.assign(nodes, new HashMap<>())));
            assertEquals("no layout for this op", e.getMessage());
            nodes.forEach(node -> node.layer().close()); // what the compiler does with its nodes when a step fails
            long after = Pointer.totalBytes();
            assertTrue(after <= before, (after - before) + " native bytes left behind");
        } finally {
            for (NativeFloats f : p) {
                f.close();
            }
        }
    }

    /** An image op on oneDNN that takes no layout. */
    private record RefusesLayouts(Shape out) implements DnnlLayouts.Op {
        @Override
        public boolean convertsLayout() {
            return false;
        }

        @Override
        public void useLayouts(boolean blockedIn, boolean blockedOut) {
            throw new IllegalStateException("no layout for this op");
        }

        @Override
        public void forward(NativeFloats in, NativeFloats out, int n, boolean training) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
            throw new UnsupportedOperationException();
        }
    }

    private static void trainsAsDl4j(EngineCheck check, int... sizes) {
        check.trainsAsDl4j(30, 6, sizes);
    }
}
