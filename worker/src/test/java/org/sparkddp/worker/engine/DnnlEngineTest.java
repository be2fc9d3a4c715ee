package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The NCHW layout on oneDNN's convolutions against DL4J: gradients, scores, parameters over several Adam steps and
 * inference, for first and later convolutions (the first computes no input gradient), strides, "same" and
 * "truncate" padding, 1x1 kernels, ReLU fused or another activation after, and a smaller last batch between full
 * ones (primitives are made per batch size).
 */
class DnnlEngineTest {
    /** A network that must compile to NCHW with oneDNN's convolutions and no flatten step. */
    private static EngineCheck onDnnl(List<Integer> input, int outputs, String... settings) {
        EngineCheck check = EngineCheck.of(input, outputs, settings);
        assertEquals(ImageLayout.NCHW, check.network().layout());
        List<EngineLayer> layers = check.network().chain();
        assertTrue(layers.stream().anyMatch(l -> l instanceof DnnlConvOp), layers.toString());
        assertFalse(layers.stream().anyMatch(l -> l instanceof ConvOp || l instanceof DirectConvOp
                || l instanceof FlattenOp), layers.toString());
        return check;
    }

    private static void trainsAsDl4j(EngineCheck check, int... sizes) {
        check.trainsAsDl4j(20, 7, sizes);
    }

    @ParameterizedTest
    @CsvSource({"3,same,1,relu,1", "3,same,2,relu,3", "3,0,1,tanh,2", "3,1,2,identity,2", "5,2,2,relu,1",
            "1,0,1,relu,3", "1,same,2,tanh,1", "4,same,3,relu,2", "2,0,1,leaky-relu,3", "5,same,1,elu,2"})
    void convolutionsTrainAsDl4j(int kernel, String padding, int stride, String activation, int channels) {
        EngineCheck check = onDnnl(List.of(channels, 11, 10), 4, "model.activation=" + activation,
                "optimizer.name=adam", "optimizer.learning-rate=0.01",
                "model.layers=[{type=conv,filters=5,kernel=" + kernel + ",stride=" + stride + ",padding=" + padding
                        + "},{type=conv,filters=6,kernel=3,padding=same},{type=conv,filters=3,kernel=1},"
                        + "{type=flatten},{type=dense,units=8}]");
        trainsAsDl4j(check, 8, 8, 5, 8);
    }

    /** The shipped CNN's convolutions and pooling, with dropout on images (masks in DL4J's order, as NCHW is). */
    @Test
    void poolingAndDropoutOnImages() {
        EngineCheck check = onDnnl(List.of(1, 28, 28), 10, "model.activation=relu", "model.weight-init=he",
                "optimizer.name=adam", "optimizer.learning-rate=0.002",
                "model.layers=[{type=conv,filters=8,kernel=3,padding=same},{type=max-pool,kernel=2},"
                        + "{type=dropout,rate=0.3},{type=conv,filters=16,kernel=3,padding=same},"
                        + "{type=avg-pool,kernel=2},{type=flatten},{type=dense,units=32},{type=dropout,rate=0.4}]");
        trainsAsDl4j(check, 16, 16, 9);
    }

    /** A replica trained by another task thread later, which then ends (as an executor's idle task threads do). */
    @Test
    void anotherThreadTrainsTheSameReplica() throws Exception {
        EngineCheck check = onDnnl(List.of(2, 12, 12), 3, "model.activation=relu", "optimizer.name=sgd",
                "model.layers=[{type=conv,filters=4,kernel=3},{type=batch-norm},{type=max-pool,kernel=2},"
                        + "{type=conv,filters=4,kernel=3,stride=2},{type=avg-pool,kernel=2}]");
        trainsAsDl4j(check, 6);
        CompletableFuture.runAsync(() -> trainsAsDl4j(check, 6, 4)).get(5, TimeUnit.MINUTES);
        trainsAsDl4j(check, 6);
    }

    /**
     * A replica that trained on one thread is closed on another (an eviction), and a new one of the same shapes trains
     * on a third: with oneDNN's default scratchpad, freeing primitives on another thread than made them corrupted the
     * heap. Convolution, batch norm (oneDNN's where the layout is blocked), max and average pooling all take part.
     */
    @Test
    void closingOnAnotherThreadThenTrainingANewReplica() throws Exception {
        String[] settings = {"model.activation=relu", "optimizer.name=sgd", "model.layers=[{type=conv,filters=16,"
                + "kernel=3},{type=batch-norm},{type=max-pool,kernel=2},{type=conv,filters=4,kernel=3,padding=same},"
                + "{type=avg-pool,kernel=2}]"};
        EngineCheck first = onDnnl(List.of(2, 10, 10), 3, settings);
        CompletableFuture.runAsync(() -> trainsAsDl4j(first, 6, 5)).get(5, TimeUnit.MINUTES);
        CompletableFuture.runAsync(() -> {
            first.engine.close();
            first.engine.close(); // a second close does nothing
        }).get(5, TimeUnit.MINUTES);
        CompletableFuture.runAsync(() -> trainsAsDl4j(onDnnl(List.of(2, 10, 10), 3, settings), 6, 5, 6))
                .get(5, TimeUnit.MINUTES);
        trainsAsDl4j(onDnnl(List.of(2, 10, 10), 3, settings), 6, 5);
    }
}
