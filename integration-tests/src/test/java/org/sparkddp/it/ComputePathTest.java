package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.TrainingResult;

/**
 * The executors tell the driver how they computed each stage, fallbacks and their reasons included, so that the
 * console and {@code summary.json} can say it: the engine or DL4J's layers, the sharded or the replicated optimizer
 * step, or averaging.
 */
class ComputePathTest extends LocalSparkTest {
    private ComputePath pathOf(String... settings) {
        List<String> all = new java.util.ArrayList<>(List.of("training.epochs=1", "training.max-iterations=4"));
        all.addAll(List.of(settings));
        TrainingResult result = Distributed.train(sc, data, TestData.config(out, all.toArray(String[]::new)));
        List<ComputePath> paths = result.stages().stream().map(StageRecord::computePath).distinct().toList();
        assertEquals(1, paths.size(), "every stage of a run reports the same path: " + paths);
        return paths.get(0);
    }

    @Test
    void theDefaultRunsOnTheEngineWithTheShardedOptimizerAndBucketsOverlapWhenAskedFor() {
        ComputePath path = pathOf();
        assertEquals("the CPU engine", path.layers());
        assertEquals("sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters); no overlap with"
                + " back-propagation (training.bucket-mb = 0)", path.step());
        String overlapped = pathOf("training.bucket-mb=0.25").step();
        assertTrue(overlapped.startsWith("sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters);"
                + " gradients reduced during back-propagation in "), overlapped);
        // 0.90 MiB of gradient: in 0.25 MiB buckets, the two last layers (0.13 MiB) and the first layer in four,
        // then the loss and stop flag; in 1 MiB, the whole gradient in one
        assertTrue(overlapped.endsWith(" 6 buckets (training.bucket-mb = 0.25, the largest 0.25 MiB)"), overlapped);
        assertTrue(pathOf("training.bucket-mb=1").step().endsWith("; gradients reduced during back-propagation in"
                + " 2 buckets (training.bucket-mb = 1, the largest 0.90 MiB)"));
    }

    /** With overlap asked for, each path that cannot overlap says why. */
    @Test
    void dl4jAndAReplicatedStepSayWhy() {
        assertEquals(new ComputePath("DL4J's layers (training.engine = dl4j)", "sync, replicated optimizer; no overlap"
                + " with back-propagation (DL4J's layers compute the gradient, and hand over no layer's before the"
                + " backward pass ends)"), pathOf("training.engine=dl4j", "training.sharded-optimizer=false",
                        "training.bucket-mb=0.25"));
        // Batch norm's running statistics are averaged, not summed: the sharded step does not cover them.
        ComputePath batchNorm = pathOf("model.layers=[{type=dense, units=32}, {type=batch-norm}]",
                "training.bucket-mb=0.25");
        assertEquals("sync, replicated optimizer (training.sharded-optimizer is on, but the network's batch norm keeps"
                + " running statistics, which the sharded step does not average); no overlap with back-propagation"
                + " (batch norm's running statistics are weighted by each worker's examples after the backward pass)",
                batchNorm.step());
    }

    @Test
    void aBf16WireSaysWhetherGradientsCrossedSocketsAsBf16() {
        assertEquals("sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters); gradients reduced"
                + " during back-propagation in 6 buckets (training.bucket-mb = 0.25, the largest 0.25 MiB); gradients"
                + " cross sockets as bf16 with error feedback",
                pathOf("training.wire=bf16", "training.collective=ring", "training.bucket-mb=0.25").step());
        assertEquals("sync, replicated optimizer; no overlap with back-propagation (training.wire = bf16, and the"
                + " replicated step's all-gather sends a bf16 gradient whole); gradients cross sockets as bf16 with"
                + " error feedback", pathOf("training.wire=bf16", "training.collective=ring",
                        "training.sharded-optimizer=false", "training.bucket-mb=0.25").step());
        // local[2] with auto: both ranks share the JVM, so nothing crosses a socket.
        String inMemory = pathOf("training.wire=bf16").step();
        assertTrue(inMemory.endsWith("; gradients stay fp32 (training.wire = bf16, but the ranks sum in one JVM's"
                + " memory)"), inMemory);
    }

    @Test
    void averagingSaysItsPeriod() {
        assertEquals("average parameters and optimizer state every 3 local iterations",
                pathOf("training.mode=average", "training.average-every=3").step());
        assertEquals("average parameters and optimizer state every 2 local iterations, after 2 synchronous warm-up"
                + " iterations, then an outer Nesterov step (learning rate 0.7, momentum 0.9)",
                pathOf("training.mode=average", "training.average-every=2", "training.average-warmup-iterations=2",
                        "training.average-outer-lr=0.7", "training.average-outer-momentum=0.9").step());
    }
}
