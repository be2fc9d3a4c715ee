package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.LongStream;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.data.ClassLabels;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ExecutorProcess;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.WireSecret;

/**
 * What the step-rule tests share: seeded random examples, a worker's shard of them, a difference of vectors, and one
 * stage run with every rank a thread.
 */
final class StageFixtures {
    private StageFixtures() {
    }

    /** {@code examples} random byte images of {@code features} pixels with labels below {@code classes}, seed 1. */
    static LabeledExamples randomExamples(int examples, int features, int classes) {
        Random random = new Random(1);
        byte[] pixels = new byte[examples * features];
        random.nextBytes(pixels);
        int[] labels = random.ints(examples, 0, classes).toArray();
        return new LabeledExamples(new UnsignedByteFeatures(examples, features, pixels),
                new ClassLabels(classes, labels));
    }

    /** Worker {@code rank}'s rows, in local order, as the driver's shuffle would hand them to it. */
    static LabeledExamples shardOf(LabeledExamples all, VirtualShards shards, int rank, int workers) {
        int[] rows = LongStream.range(0, shards.localSize(rank, workers))
                .mapToInt(i -> Math.toIntExact(shards.rowAt(rank, workers, i))).toArray();
        return all.select(rows);
    }

    static double maxAbsoluteDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths differ");
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    /**
     * Stands in for the driver's rendezvous between {@code workers} ranks that are threads of this JVM: rank r's
     * exchange waits (bounded) for every rank's message and returns them all.
     */
    static IntFunction<org.sparkddp.worker.collective.PeerRing.AddressExchange> rendezvous(int workers) {
        String[] addresses = new String[workers];
        java.util.concurrent.CyclicBarrier met = new java.util.concurrent.CyclicBarrier(workers);
        return rank -> message -> {
            addresses[rank] = message;
            try {
                met.await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return addresses.clone();
        };
    }

    /**
     * A stage over one whole epoch (0) from the fresh state, with no time bound, no augmentation and an unused
     * rendezvous: what the in-memory step-rule tests run, each rank a thread.
     */
    static StageSpec spec(StageSpec.Model model, long seed, VirtualShards shards, int workers, int batchSize,
                          int iterations) {
        return new StageSpec(model, new StageSpec.Data(seed, 0, shards, workers, batchSize, Augmentation.NONE),
                new StageSpec.Span(0, iterations, 0, StageSpec.UNBOUNDED),
                new StageSpec.State(new StateVersion(model.runId(), 0, 0, 0, 0, 0, 1024, new long[0],
                        StateVersion.Home.FRESH, -1, null), 1, false),
                new StageSpec.Wire(CollectiveKind.AUTO, "unused:0", WireSecret.of("unused"), Duration.ofSeconds(30),
                        WireFormat.FP32));
    }

    /**
     * Runs {@code spec}'s stage with every rank a thread of {@code pool}, on the collective {@code connect} gives it
     * and the replica {@code replica} builds, as a training task would; {@code check} sees each rank's replica and step
     * rule first. Returns rank 0's state where the stage stores it (an executor's block manager, in a real stage).
     */
    static ModelState runStage(ExecutorService pool, StageSpec spec, LabeledExamples all,
                               IntFunction<Collective> connect, IntFunction<TrainableNetwork> replica,
                               Consumer<RankContext> checkReplica, Consumer<StepRule> checkRule) throws Exception {
        return runStage(pool, spec, all, connect, replica, checkReplica, checkRule, new ArrayList<>());
    }

    /** As above, and adds each rank's report to {@code reports}, in rank order. */
    static ModelState runStage(ExecutorService pool, StageSpec spec, LabeledExamples all,
                               IntFunction<Collective> connect, IntFunction<TrainableNetwork> replica,
                               Consumer<RankContext> checkReplica, Consumer<StepRule> checkRule,
                               List<StageReport> reports) throws Exception {
        int workers = spec.data().workers();
        int iterations = spec.span().toIteration();
        AtomicReference<ModelState> reached = new AtomicReference<>();
        List<Future<StageReport>> futures = new ArrayList<>();
        for (int r = 0; r < workers; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                try (Collective collective = connect.apply(rank)) {
                    RankContext context = new RankContext(spec.data().epoch(), rank, spec.data().seed(),
                            spec.plan().maxLocalBatch(rank, workers), shardOf(all, spec.data().shards(), rank, workers),
                            replica.apply(rank), collective);
                    checkReplica.accept(context);
                    try (StepRule rule = TrainingStageTask.rule(spec, context)) {
                        checkRule.accept(rule);
                        return new StageLoop(spec, rank, context, rule, new ProgressAccumulator(),
                                ExecutorProcess.current("test", "127.0.0.1"), net -> {
                                    if (rank == 0) {
                                        reached.set(ModelState.capture(net, iterations, 0));
                                    }
                                    return new long[0];
                                }).run();
                    }
                }
            }));
        }
        for (Future<StageReport> f : futures) {
            reports.add(f.get(90, TimeUnit.SECONDS));
        }
        assertNotNull(reached.get(), "rank 0 stored no state");
        return reached.get();
    }
}
