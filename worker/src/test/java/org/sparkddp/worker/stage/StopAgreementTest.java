package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkddp.worker.stage.StageFixtures.randomExamples;
import static org.sparkddp.worker.stage.StageFixtures.shardOf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ExecutorProcess;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.PeerRing;

/**
 * Rank 0's stop reaches every rank through the exchange that carries the loss, so all ranks end the stage after
 * the same iteration: the first one in sync mode (both rules), the first regular average in average mode. A rank
 * that stopped alone would leave its peers waiting on the ring, and the stage would fail. Ranks are threads here,
 * with real collectives over loopback (the ring, or the hierarchy over two loopback hosts); in Spark they are the
 * tasks of a barrier stage.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StopAgreementTest {
    private static final int WORKERS = 3;
    private static final int EXAMPLES = 300;
    private static final int FEATURES = 12;
    private static final int CLASSES = 4;
    private static final int BATCH = 30;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @ParameterizedTest
    @CsvSource({
        // mode, sharded optimizer, first global iteration, budget (ms; 0: passed at once), iterations expected,
        // collective (hierarchical: ranks 0 and 2 on 127.0.0.1, rank 1 on 127.0.0.2)
        "SYNC,    true,  0, 0,      1,  RING",
        "SYNC,    false, 0, 0,      1,  RING",
        "AVERAGE, false, 0, 0,      4,  RING", // K = 4: the first regular average is after iteration 3
        "AVERAGE, false, 2, 0,      2,  RING", // a stage starting mid-window stops at the run's average, after iteration 3
        "SYNC,    true,  0, 600000, 10, RING",
        "AVERAGE, false, 0, 600000, 10, RING",
        "SYNC,    true,  0, 0,      1,  HIERARCHICAL",
        "SYNC,    false, 0, 0,      1,  HIERARCHICAL",
        "AVERAGE, false, 2, 0,      2,  HIERARCHICAL",
        "SYNC,    true,  0, 600000, 10, HIERARCHICAL",
    })
    void everyRankEndsTheStageAfterTheIterationThatCarriedRankZerosStop(TrainingMode mode, boolean sharded,
            long firstIteration, long budgetMillis, int expected, CollectiveKind collective) throws Exception {
        SparkDdpConfig config = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "model.layers=[{type=dense,units=8}]",
                "training.batch-size=" + BATCH)).config();
        NetworkSpec network = new NetworkSpec(config.model(), config.optimizer(), 7, List.of(FEATURES), CLASSES,
                BATCH);
        VirtualShards shards = VirtualShards.of(EXAMPLES, 16);
        int iterations = new EpochPlan(7, 0, shards, BATCH).iterations();
        Duration budget = budgetMillis == 0 ? Duration.ofNanos(1) : Duration.ofMillis(budgetMillis);
        StageSpec spec = new StageSpec(
                new StageSpec.Model("stop-test", network, mode, 4, sharded, LocalSgdConfig.PLAIN),
                new StageSpec.Data(7, 0, shards, WORKERS, BATCH, Augmentation.NONE),
                new StageSpec.Span(0, iterations, firstIteration, budget),
                new StageSpec.State(new StateVersion("stop-test", 0, firstIteration, 0, 0, 0, 1024, new long[0],
                        StateVersion.Home.FRESH, -1, null), 1, false),
                new StageSpec.Wire(collective, "unused:0", org.sparkddp.worker.collective.WireSecret.of("s3cret"),
                        Duration.ofSeconds(20), WireFormat.FP32));
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);

        List<StageReport> reports = runRanks(spec, all);

        StageReport lead = reports.get(0);
        assertEquals(expected, lead.losses().length, "iterations rank 0 reports");
        for (StageReport report : reports) {
            assertEquals(firstIteration + expected, report.reachedIteration(), "iteration rank " + report.rank()
                    + " reached");
            assertEquals(1, report.storedCrcs().length, "rank " + report.rank() + " stored no state");
        }
    }

    private List<StageReport> runRanks(StageSpec spec, LabeledExamples all) throws Exception {
        var rendezvous = StageFixtures.rendezvous(WORKERS);
        List<Future<StageReport>> futures = new ArrayList<>();
        for (int r = 0; r < WORKERS; r++) {
            int rank = r;
            PeerRing.AddressExchange exchange = rendezvous.apply(rank);
            futures.add(pool.submit(() -> {
                try (Collective ring = Collectives.connect(spec.wire().collective(), rank, WORKERS,
                        "127.0.0." + (1 + rank % 2), spec.wire().secret(), exchange, spec.wire().syncTimeout(),
                        () -> false)) {
                    RankContext context = new RankContext(spec.data().epoch(), rank, spec.data().seed(),
                            spec.plan().maxLocalBatch(rank, WORKERS), shardOf(all, spec.data().shards(), rank, WORKERS),
                            NetworkFactory.build(spec.model().network()), ring);
                    try (StepRule rule = TrainingStageTask.rule(spec, context)) {
                        assertEquals(spec.model().mode() == TrainingMode.AVERAGE ? AveragingStep.class
                                : spec.model().shardedOptimizer() ? ShardedSyncStep.class : SyncStep.class, rule.getClass());
                        return new StageLoop(spec, rank, context, rule, new ProgressAccumulator(),
                                ExecutorProcess.current("test", "127.0.0.1"), network -> new long[] {rank}).run();
                    }
                }
            }));
        }
        List<StageReport> reports = new ArrayList<>();
        for (Future<StageReport> f : futures) {
            reports.add(f.get(90, TimeUnit.SECONDS));
        }
        return reports;
    }

}
