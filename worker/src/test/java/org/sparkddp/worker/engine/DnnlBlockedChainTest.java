package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
        String before = System.getProperty(DnnlLayouts.BLOCKED_PROPERTY);
        System.setProperty(DnnlLayouts.BLOCKED_PROPERTY, "true");
        try {
            return EngineCheck.of(List.of(inputChannels, 10, 10), 4, "model.activation=relu",
                    "model.weight-init=he", "optimizer.name=adam", "optimizer.learning-rate=0.005",
                    "model.layers=[" + layers + ",{type=flatten},{type=dense,units=8}]");
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

    private static void trainsAsDl4j(EngineCheck check, int... sizes) {
        check.trainsAsDl4j(30, 6, sizes);
    }
}
