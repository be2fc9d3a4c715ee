package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void theDefaultRunsOnTheEngineWithTheShardedOptimizer() {
        assertEquals(new ComputePath("the CPU engine",
                "sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters)"), pathOf());
    }

    @Test
    void dl4jAndAReplicatedStepSayWhy() {
        assertEquals(new ComputePath("DL4J's layers (training.engine = dl4j)", "sync, replicated optimizer"),
                pathOf("training.engine=dl4j", "training.sharded-optimizer=false"));
        // Batch norm's running statistics are averaged, not summed: the sharded step does not cover them.
        ComputePath batchNorm = pathOf("model.layers=[{type=dense, units=32}, {type=batch-norm}]");
        assertEquals("sync, replicated optimizer (training.sharded-optimizer is on, but the network's batch norm keeps"
                + " running statistics, which the sharded step does not average)", batchNorm.step());
    }

    @Test
    void aBf16WireSaysWhetherGradientsCrossedSocketsAsBf16() {
        assertEquals("sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters); gradients cross sockets"
                + " as bf16 with error feedback", pathOf("training.wire=bf16", "training.collective=ring").step());
        // local[2] with auto: both ranks share the JVM, so nothing crosses a socket.
        assertEquals("sync, sharded optimizer (each of 2 ranks updates 1/2 of the parameters); gradients stay fp32"
                + " (training.wire = bf16, but the ranks sum in one JVM's memory)", pathOf("training.wire=bf16").step());
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
