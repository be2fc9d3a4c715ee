package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.worker.stage.StageFixtures.maxAbsoluteDifference;
import static org.sparkddp.worker.stage.StageFixtures.randomExamples;

import java.time.Duration;
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
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.InMemoryCollective;

/**
 * The step rules, driven by the in-memory collective (ranks are threads, no sockets, no Spark), against plain
 * single-process DL4J fed the same global batches: every rule is single-machine SGD on the global batch, within
 * float rounding (the ranks' summed shares round differently from DL4J's one sum over the batch). Sharded and
 * replicated sync must moreover agree bit for bit, on the same collective. The last test runs the sync rules over
 * the hierarchical collective on loopback sockets instead.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class InMemoryStepRulesTest {
    static final int EXAMPLES = 300;
    private static final int FEATURES = 12;
    static final int CLASSES = 4;
    static final int BATCH = 30;
    static final int VIRTUAL_SHARDS = 16;
    private static final long SEED = 7;
    /** As integration-tests' SyncEquivalenceTest bounds 20 steps on Fashion-MNIST; here 10 steps. */
    static final double PARAMS_WITHIN = 1e-5;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @ParameterizedTest(name = "{0} workers, {1}, sharded {2}, {3}")
    @CsvSource({
        "2, SYNC,    true,  adam",
        "3, SYNC,    true,  adam",
        "2, SYNC,    false, adam",
        "3, SYNC,    false, adam",
        "2, AVERAGE, false, sgd", // K = 1 with plain SGD: the average of the ranks' steps is the global step
        "3, AVERAGE, false, sgd",
    })
    void everyRuleIsSingleMachineDl4jOnTheGlobalBatches(int workers, TrainingMode mode, boolean sharded,
                                                        String optimizer) throws Exception {
        NetworkSpec network = network(optimizer);
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        ModelState distributed = runStage(workers, mode, sharded, network, all);

        MultiLayerNetwork single = new MultiLayerNetwork(NetworkFactory.configuration(network));
        single.init();
        List<int[][]> batches = GlobalBatches.shares(EXAMPLES, VIRTUAL_SHARDS, workers, SEED, BATCH, 1, Long.MAX_VALUE);
        assertEquals(iterations(), batches.size());
        for (int[][] shares : batches) {
            single.fit(Minibatches.assemble(all, Arrays.stream(shares).flatMapToInt(Arrays::stream).toArray()));
        }
        float[] expected = single.params().toFloatVector();
        float[] initial = initialParams(network);

        assertEquals(iterations(), distributed.iteration());
        double moved = maxAbsoluteDifference(initial, expected);
        double error = maxAbsoluteDifference(expected, distributed.params());
        System.out.printf("%d workers, %s, sharded %s, %s: max |distributed - DL4J| %.3g, training moved %.3g%n",
                workers, mode, sharded, optimizer, error, moved);
        assertTrue(moved > 100 * PARAMS_WITHIN, "training barely moved the parameters: " + moved);
        assertTrue(error <= PARAMS_WITHIN, "max absolute parameter difference " + error + " (training moved them "
                + moved + ")");
    }

    @ParameterizedTest(name = "{0} workers")
    @CsvSource({"2", "3"})
    void shardedAndReplicatedSyncAgreeBitForBit(int workers) throws Exception {
        NetworkSpec network = network("adam");
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        ModelState sharded = runStage(workers, TrainingMode.SYNC, true, network, all);
        ModelState replicated = runStage(workers, TrainingMode.SYNC, false, network, all);
        assertArrayEquals(replicated.params(), sharded.params(), 0f, "parameters differ");
        assertArrayEquals(replicated.updaterState(), sharded.updaterState(), 0f, "optimizer states differ");
    }

    /**
     * The same rules over the hierarchical collective on sockets, rank r on 127.0.0.(1 + r mod 2): 3 ranks (hosts of
     * 2 and 1: the leaders' scheme) and 4 (hosts of 2 and 2: the torus). Sharded and replicated still agree bit for
     * bit, and both are DL4J's steps.
     */
    @ParameterizedTest(name = "sharded {0}, {1} workers")
    @CsvSource({"true, 3", "false, 3", "true, 4", "false, 4"})
    void theRulesOverTheHierarchicalCollectiveAreDl4jsSteps(boolean sharded, int workers) throws Exception {
        NetworkSpec network = network("adam");
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        ModelState hierarchical = runStage(workers, TrainingMode.SYNC, sharded, network, all, hierarchy(workers));
        ModelState inMemory = runStage(workers, TrainingMode.SYNC, !sharded, network, all);
        MultiLayerNetwork single = new MultiLayerNetwork(NetworkFactory.configuration(network));
        single.init();
        for (int[][] shares : GlobalBatches.shares(EXAMPLES, VIRTUAL_SHARDS, workers, SEED, BATCH, 1, Long.MAX_VALUE)) {
            single.fit(Minibatches.assemble(all, Arrays.stream(shares).flatMapToInt(Arrays::stream).toArray()));
        }
        double error = maxAbsoluteDifference(single.params().toFloatVector(), hierarchical.params());
        assertTrue(error <= PARAMS_WITHIN, "max absolute parameter difference " + error);
        // Different summation orders (host sums then the ring across hosts, against rank order): rounding apart only.
        assertTrue(maxAbsoluteDifference(inMemory.params(), hierarchical.params()) <= PARAMS_WITHIN);
        if (sharded) {
            ModelState replicated = runStage(workers, TrainingMode.SYNC, false, network, all, hierarchy(workers));
            assertArrayEquals(replicated.params(), hierarchical.params(), 0f, "parameters differ");
            assertArrayEquals(replicated.updaterState(), hierarchical.updaterState(), 0f, "optimizer states differ");
        }
    }

    /** Connects each rank, in its own thread, to the hierarchical collective: rank r on 127.0.0.(1 + r mod 2). */
    private static IntFunction<Collective> hierarchy(int workers) {
        var rendezvous = StageFixtures.rendezvous(workers);
        return rank -> Collectives.connect(CollectiveKind.HIERARCHICAL, rank, workers, "127.0.0." + (1 + rank % 2),
                "s3cret", rendezvous.apply(rank), Duration.ofSeconds(30), () -> false);
    }

    /** One stage over the whole epoch, every rank a thread on the in-memory collective; rank 0's final state. */
    private ModelState runStage(int workers, TrainingMode mode, boolean sharded, NetworkSpec network,
                                LabeledExamples all) throws Exception {
        List<InMemoryCollective> group = InMemoryCollective.group(workers, Duration.ofSeconds(30));
        return runStage(workers, mode, sharded, network, all, group::get);
    }

    /** One stage over the whole epoch, every rank a thread on the collective {@code connect} gives it. */
    private ModelState runStage(int workers, TrainingMode mode, boolean sharded, NetworkSpec network,
                                LabeledExamples all, IntFunction<Collective> connect)
            throws Exception {
        VirtualShards shards = VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS);
        StageSpec spec = StageFixtures.spec(new StageSpec.Model("in-memory-test", network, mode, 1, sharded,
                LocalSgdConfig.PLAIN), SEED, shards, workers, BATCH, iterations());
        return StageFixtures.runStage(pool, spec, all, connect, rank -> NetworkFactory.build(network),
                context -> { }, rule -> assertEquals(mode == TrainingMode.AVERAGE ? AveragingStep.class
                        : sharded ? ShardedSyncStep.class : SyncStep.class, rule.getClass()));
    }

    private static int iterations() {
        return new EpochPlan(SEED, 0, VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS), BATCH).iterations();
    }

    private static NetworkSpec network(String optimizer) {
        SparkDdpConfig config = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "model.layers=[{type=dense,units=16}]",
                "optimizer.name=" + optimizer, "optimizer.learning-rate=0.05", "training.batch-size=" + BATCH))
                .config();
        return new NetworkSpec(config.model(), config.optimizer(), SEED, List.of(FEATURES), CLASSES, BATCH);
    }

    /** The initial parameters, which both sides start from. */
    private static float[] initialParams(NetworkSpec spec) {
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        network.init();
        return network.params().toFloatVector();
    }

}
