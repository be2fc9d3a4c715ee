package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.worker.stage.StageFixtures.maxAbsoluteDifference;
import static org.sparkddp.worker.stage.InMemoryStepRulesTest.BATCH;
import static org.sparkddp.worker.stage.InMemoryStepRulesTest.CLASSES;
import static org.sparkddp.worker.stage.InMemoryStepRulesTest.EXAMPLES;
import static org.sparkddp.worker.stage.InMemoryStepRulesTest.PARAMS_WITHIN;
import static org.sparkddp.worker.stage.InMemoryStepRulesTest.VIRTUAL_SHARDS;
import static org.sparkddp.worker.stage.StageFixtures.randomExamples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.InMemoryCollective;
import org.sparkddp.worker.collective.WireSecret;
import org.sparkddp.worker.engine.Engines;

/**
 * The sync rules with overlap ({@code training.bucket-mb} > 0) on the engine, each rank a thread: bit for bit the
 * rules without it, at 1, 2 and 3 ranks (and 4, the hierarchical torus), over the in-memory collective, socket
 * rings and the hierarchical collective (its torus and its hosts' leaders), with buckets smaller than
 * a rank's owned range (layers cut into several) and larger (the whole gradient in one); and single-machine DL4J on
 * the global batches within the tolerance of the rules' own equivalence test. No communication thread outlives its
 * stage.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OverlappedStepTest {
    /** 13 features: with two hidden layers, 529 parameters, which no worker count here divides. */
    private static final int FEATURES = 13;
    private static final long SEED = 11;
    /** 40 floats: smaller than any rank's owned range of the network's 529 parameters (plus 2 scalars). */
    private static final double SMALL_BUCKETS_MB = 40.0 * Float.BYTES / (1 << 20);

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @ParameterizedTest(name = "{0} workers, sharded {1}, {2}, small buckets {3}")
    @CsvSource({
        "1, true,  memory, true",
        "2, true,  memory, true",
        "3, true,  memory, true",
        "3, true,  memory, false",
        "2, false, memory, true",
        "3, false, memory, false",
        "2, true,  ring,   true",
        "3, true,  ring,   true",
        "3, false, ring,   true",
        "2, true,  hierarchical, true",
        "3, true,  hierarchical, true",
        "3, false, hierarchical, false",
        "4, true,  hierarchical, true",
    })
    void overlapChangesNoBitAndIsSingleMachineDl4j(int workers, boolean sharded, String collective,
                                                   boolean smallBuckets) throws Exception {
        NetworkSpec network = network();
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        double bucketMb = smallBuckets ? SMALL_BUCKETS_MB : 1;
        List<StageReport> overlappedReports = new ArrayList<>();
        List<StageReport> plainReports = new ArrayList<>();
        ModelState overlapped = runStage(workers, sharded, network, all, collective, bucketMb, overlappedReports);
        ModelState plain = runStage(workers, sharded, network, all, collective, 0, plainReports);
        assertArrayEquals(plain.params(), overlapped.params(), 0f, "parameters differ");
        assertArrayEquals(plain.updaterState(), overlapped.updaterState(), 0f, "optimizer states differ");
        // the loss sum and the stop flag cross in the last bucket: every rank reports the same losses, and stops
        // at the same iteration, with buckets as without
        for (int r = 0; r < workers; r++) {
            assertArrayEquals(plainReports.get(r).losses(), overlappedReports.get(r).losses(), 0f,
                    "rank " + r + "'s losses differ");
            assertEquals(plainReports.get(r).reachedIteration(), overlappedReports.get(r).reachedIteration());
            assertEquals(plainReports.get(r).divergedAt(), overlappedReports.get(r).divergedAt());
        }

        MultiLayerNetwork single = new MultiLayerNetwork(NetworkFactory.configuration(network));
        single.init();
        float[] initial = single.params().toFloatVector();
        for (int[][] shares : GlobalBatches.shares(EXAMPLES, VIRTUAL_SHARDS, workers, SEED, BATCH, 1, Long.MAX_VALUE)) {
            single.fit(Minibatches.assemble(all, Arrays.stream(shares).flatMapToInt(Arrays::stream).toArray()));
        }
        double error = maxAbsoluteDifference(single.params().toFloatVector(), overlapped.params());
        assertTrue(maxAbsoluteDifference(initial, overlapped.params()) > 100 * PARAMS_WITHIN, "training barely moved");
        assertTrue(error <= PARAMS_WITHIN, "max absolute parameter difference " + error);
        assertTrue(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .noneMatch(t -> t.getName().startsWith(OverlappedReduce.THREAD_PREFIX)), "a communication thread"
                + " outlived its stage");
    }

    /**
     * With a bf16 ring the sharded step overlaps too, error feedback per bucket included: bit for bit the step
     * without buckets (bf16 is not DL4J's arithmetic, so no DL4J comparison here; Bf16WireTrainingTest has it).
     */
    @ParameterizedTest(name = "{0} workers, {1}")
    @CsvSource({"2, ring-bf16", "3, ring-bf16", "3, hierarchical-bf16", "4, hierarchical-bf16"})
    void aBf16RingOverlapsTheShardedStepBitForBit(int workers, String collective) throws Exception {
        NetworkSpec network = network();
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        ModelState overlapped = runStage(workers, true, network, all, collective, SMALL_BUCKETS_MB,
                new ArrayList<>());
        ModelState plain = runStage(workers, true, network, all, collective, 0, new ArrayList<>());
        assertArrayEquals(plain.params(), overlapped.params(), 0f, "parameters differ");
        assertArrayEquals(plain.updaterState(), overlapped.updaterState(), 0f, "optimizer states differ");
    }

    /**
     * One stage over the epoch on the engine; the rule says whether it overlaps, rank 0's state comes back and every
     * rank's report goes to {@code reports}.
     */
    private ModelState runStage(int workers, boolean sharded, NetworkSpec network, LabeledExamples all,
                                String collective, double bucketMb, List<StageReport> reports)
            throws Exception {
        VirtualShards shards = VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS);
        StageSpec base = StageFixtures.spec(new StageSpec.Model("overlap-test", network, TrainingMode.SYNC, 1,
                sharded, LocalSgdConfig.PLAIN), SEED, shards, workers, BATCH, iterations());
        StageSpec.Wire wire = base.wire();
        StageSpec spec = new StageSpec(base.model(), base.data(), base.span(), base.state(),
                new StageSpec.Wire(wire.collective(), wire.rendezvous(), wire.secret(), wire.syncTimeout(),
                        wire.gradients(), bucketMb));
        WireFormat gradients = collective.endsWith("-bf16") ? WireFormat.BF16 : WireFormat.FP32;
        IntFunction<Collective> connect = collective.equals("memory")
                ? InMemoryCollective.group(workers, Duration.ofSeconds(30))::get
                : connect(collective.startsWith("hierarchical") ? CollectiveKind.HIERARCHICAL : CollectiveKind.RING,
                        workers, gradients);
        return StageFixtures.runStage(pool, spec, all, connect,
                rank -> Engines.forTraining(network, NetworkFactory.build(network)), context -> { }, rule -> {
                    assertEquals(sharded ? ShardedSyncStep.class : SyncStep.class, rule.getClass());
                    assertTrue(rule.overlap().startsWith(bucketMb > 0 ? "; gradients reduced during back-propagation"
                            : "; no overlap with back-propagation (training.bucket-mb = 0)"), rule.overlap());
                    assertTrue(bucketMb != SMALL_BUCKETS_MB || !rule.overlap().contains(" in 1 buckets"),
                            rule.overlap());
                }, reports);
    }

    /**
     * Each rank, in its own thread, over loopback: a flat ring, or the hierarchical collective with rank r on host
     * 127.0.0.(1 + r mod 2) (2 workers: 2 hosts x 1; 3: unequal hosts, the leaders; 4: the torus, 2 x 2).
     */
    private static IntFunction<Collective> connect(CollectiveKind kind, int workers, WireFormat wire) {
        var rendezvous = StageFixtures.rendezvous(workers);
        return rank -> Collectives.connect(kind, rank, workers,
                kind == CollectiveKind.RING ? "127.0.0.1" : "127.0.0." + (1 + rank % 2), WireSecret.of("s3cret"),
                rendezvous.apply(rank), Duration.ofSeconds(30), () -> false, wire);
    }

    private static int iterations() {
        return new EpochPlan(SEED, 0, VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS), BATCH).iterations();
    }

    /** Three layers (13-24-8-4: 529 parameters), so that buckets join and cut layers. */
    private static NetworkSpec network() {
        SparkDdpConfig config = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused",
                "model.layers=[{type=dense,units=24},{type=dense,units=8}]", "optimizer.name=adam",
                "optimizer.learning-rate=0.05", "training.batch-size=" + BATCH)).config();
        return new NetworkSpec(config.model(), config.optimizer(), SEED, List.of(FEATURES), CLASSES, BATCH);
    }
}
