package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.worker.stage.StageFixtures.maxAbsoluteDifference;
import static org.sparkddp.worker.stage.StageFixtures.randomExamples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
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
import org.sparkddp.worker.collective.InMemoryCollective;
import org.sparkddp.worker.engine.Engines;

/**
 * Average mode's local SGD options, driven by the in-memory collective (ranks are threads): the warm-up is sync
 * mode bit for bit, and the outer Nesterov step is a plain reference implementation of DiLoCo's outer step over
 * single-process DL4J replicas fed the same shares.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LocalSgdStepTest {
    private static final int EXAMPLES = 300;
    private static final int FEATURES = 12;
    private static final int CLASSES = 4;
    private static final int BATCH = 30;
    private static final int VIRTUAL_SHARDS = 16;
    private static final long SEED = 7;
    private static final double PARAMS_WITHIN = 1e-5;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** Warm-up over the whole stage (10 iterations) with K = 4: every step is sync mode's, in both of its forms. */
    @ParameterizedTest(name = "{0} workers, sharded sync {1}")
    @CsvSource({"2, true", "2, false", "3, true", "3, false"})
    void warmUpIterationsAreSyncModeBitForBit(int workers, boolean sharded) throws Exception {
        NetworkSpec network = network("adam", false);
        ModelState sync = runStage(workers, TrainingMode.SYNC, sharded, network, 4, LocalSgdConfig.PLAIN);
        ModelState warm = runStage(workers, TrainingMode.AVERAGE, false, network, 4,
                new LocalSgdConfig(iterations(), 1.0, 0.0));
        assertArrayEquals(sync.params(), warm.params(), 0f, "parameters differ");
        assertArrayEquals(sync.updaterState(), warm.updaterState(), 0f, "optimizer states differ");
        // and local steps after a shorter warm-up do change the result, so the comparison above can fail
        ModelState after = runStage(workers, TrainingMode.AVERAGE, false, network, 4, new LocalSgdConfig(4, 1.0, 0.0));
        assertTrue(maxAbsoluteDifference(sync.params(), after.params()) > 100 * PARAMS_WITHIN);
    }

    /**
     * Warm-up 3, then averages every 3 (after iterations 5 and 8, and at the stage's end after 9) with Adam inside
     * and the outer Nesterov step: against DL4J replicas averaged by hand and a plain outer step, parameters, Adam's
     * averaged state and the outer momentum all agree within float rounding.
     */
    @ParameterizedTest(name = "{0} workers, outer lr {1}, momentum {2}, engine {3}")
    @CsvSource({"2, 0.7, 0.9, false", "3, 1.3, 0.5, false", "2, 0.6, 0.0, false", "2, 0.7, 0.9, true"})
    void theOuterStepIsAPlainNesterovStepOnTheAveragedChange(int workers, double lr, double momentum, boolean engine)
            throws Exception {
        LocalSgdConfig localSgd = new LocalSgdConfig(3, lr, momentum);
        int every = 3;
        NetworkSpec network = network("adam", localSgd.hasOuterMomentum());
        ModelState distributed = runStage(workers, TrainingMode.AVERAGE, false, network, every, localSgd, engine);
        Reference reference = reference(workers, network, every, localSgd);

        int p = reference.params.length;
        double error = maxAbsoluteDifference(reference.params, distributed.params());
        System.out.printf("%d workers, lr %s, momentum %s: max |distributed - reference| %.3g%n", workers, lr,
                momentum, error);
        assertTrue(error <= PARAMS_WITHIN, "max absolute parameter difference " + error);
        float[] state = distributed.updaterState();
        assertEquals(reference.adam.length + (localSgd.hasOuterMomentum() ? p : 0), state.length);
        assertTrue(maxAbsoluteDifference(reference.adam, Arrays.copyOf(state, reference.adam.length)) <= PARAMS_WITHIN);
        if (localSgd.hasOuterMomentum()) {
            float[] velocity = Arrays.copyOfRange(state, reference.adam.length, state.length);
            assertTrue(maxAbsoluteDifference(reference.velocity, velocity) <= PARAMS_WITHIN);
            assertTrue(maxAbsoluteDifference(new float[p], velocity) > 100 * PARAMS_WITHIN, "momentum stayed 0");
        }
        // plain averaging ends elsewhere: the outer step did something
        ModelState plain = runStage(workers, TrainingMode.AVERAGE, false, network("adam", false), every,
                new LocalSgdConfig(3, 1.0, 0.0));
        assertTrue(maxAbsoluteDifference(plain.params(), distributed.params()) > 100 * PARAMS_WITHIN);
    }

    @Test
    void theStepOverBuffersIsTheTextbookFormula() {
        Random random = new Random(3);
        int n = 37;
        float[] average = new float[n];
        float[] anchor = new float[n];
        float[] velocity = new float[n];
        for (int i = 0; i < n; i++) {
            anchor[i] = random.nextFloat() - 0.5f;
            velocity[i] = random.nextFloat() - 0.5f;
        }
        FloatBuffer a = direct(anchor);
        FloatBuffer v = direct(velocity);
        float lr = 0.7f;
        float mu = 0.9f;
        for (int step = 0; step < 3; step++) {
            for (int i = 0; i < n; i++) {
                average[i] = anchor[i] - 0.01f * (random.nextFloat() - 0.5f);
            }
            FloatBuffer p = direct(average);
            OuterNesterov.step(p, a, v, lr, mu);
            for (int i = 0; i < n; i++) { // PyTorch's SGD(nesterov=True): buf = mu buf + g; g += mu buf; p -= lr g
                float g = anchor[i] - average[i];
                velocity[i] = mu * velocity[i] + g;
                anchor[i] = anchor[i] - lr * (g + mu * velocity[i]);
            }
            for (int i = 0; i < n; i++) {
                assertEquals(anchor[i], p.get(i), 0f, "parameter " + i + " at step " + step);
                assertEquals(anchor[i], a.get(i), 0f, "anchor " + i + " at step " + step);
                assertEquals(velocity[i], v.get(i), 0f, "velocity " + i + " at step " + step);
            }
        }
    }

    private static FloatBuffer direct(float[] values) {
        FloatBuffer buffer = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        buffer.put(values).flip();
        return buffer;
    }

    /** The reference's final parameters, DL4J updater state (Adam's, averaged) and outer momentum. */
    private record Reference(float[] params, float[] adam, float[] velocity) {
    }

    /**
     * Single-process DL4J, one network per worker: warm-up steps on the global batch, then each worker's own steps on
     * its share, averaged by hand (weighted by examples, Adam's state too) every {@code every} global iterations and
     * at the end, then PyTorch's Nesterov SGD step on {@code anchor - average}, in double.
     */
    private Reference reference(int workers, NetworkSpec spec, int every, LocalSgdConfig localSgd) {
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        List<MultiLayerNetwork> replicas = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            MultiLayerNetwork net = new MultiLayerNetwork(NetworkFactory.configuration(spec));
            net.init();
            replicas.add(net);
        }
        List<int[][]> batches = GlobalBatches.shares(EXAMPLES, VIRTUAL_SHARDS, workers, SEED, BATCH, 1, Long.MAX_VALUE);
        int p = (int) replicas.get(0).params().length();
        double[] velocity = new double[p];
        float[] anchor = replicas.get(0).params().toFloatVector();
        long[] seen = new long[workers];
        for (int t = 0; t < batches.size(); t++) {
            int[][] shares = batches.get(t);
            if (t < localSgd.warmupIterations()) {
                MultiLayerNetwork lead = replicas.get(0);
                lead.setIterationCount(t);
                lead.fit(Minibatches.assemble(all, Arrays.stream(shares).flatMapToInt(Arrays::stream).toArray()));
                copyState(lead, replicas);
                anchor = lead.params().toFloatVector();
                continue;
            }
            for (int w = 0; w < workers; w++) {
                if (shares[w].length > 0) {
                    replicas.get(w).setIterationCount(t);
                    replicas.get(w).fit(Minibatches.assemble(all, shares[w]));
                }
                seen[w] += shares[w].length;
            }
            if ((t + 1) % every == 0 || t == batches.size() - 1) {
                float[] average = average(replicas, seen, MultiLayerNetwork::params);
                float[] adam = average(replicas, seen, n -> n.getUpdater().getStateViewArray());
                float[] next = new float[p];
                for (int i = 0; i < p; i++) {
                    double g = (double) anchor[i] - average[i];
                    velocity[i] = localSgd.outerMomentum() * velocity[i] + g;
                    next[i] = (float) (anchor[i] - localSgd.outerLearningRate() * (g + localSgd.outerMomentum() * velocity[i]));
                }
                for (MultiLayerNetwork net : replicas) {
                    net.setParams(Nd4j.createFromArray(next).reshape(1, p));
                    net.getUpdater().getStateViewArray().assign(Nd4j.createFromArray(adam).reshape(1, adam.length));
                }
                anchor = next;
                Arrays.fill(seen, 0);
            }
        }
        float[] v = new float[p];
        for (int i = 0; i < p; i++) {
            v[i] = (float) velocity[i];
        }
        return new Reference(anchor, replicas.get(0).getUpdater().getStateViewArray().toFloatVector(), v);
    }

    private static void copyState(MultiLayerNetwork from, List<MultiLayerNetwork> to) {
        for (MultiLayerNetwork net : to) {
            if (net != from) {
                net.setParams(from.params().dup());
                net.getUpdater().getStateViewArray().assign(from.getUpdater().getStateViewArray());
            }
        }
    }

    private static float[] average(List<MultiLayerNetwork> replicas, long[] seen,
                                   java.util.function.Function<MultiLayerNetwork, INDArray> of) {
        long total = Arrays.stream(seen).sum();
        double[] sum = null;
        for (int w = 0; w < replicas.size(); w++) {
            float[] values = of.apply(replicas.get(w)).toFloatVector();
            if (sum == null) {
                sum = new double[values.length];
            }
            for (int i = 0; i < values.length; i++) {
                sum[i] += (double) seen[w] * values[i];
            }
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / total);
        }
        return mean;
    }

    /** One stage over the whole epoch, every rank a thread on the in-memory collective; rank 0's final state. */
    private ModelState runStage(int workers, TrainingMode mode, boolean sharded, NetworkSpec network, int every,
                                LocalSgdConfig localSgd) throws Exception {
        return runStage(workers, mode, sharded, network, every, localSgd, false);
    }

    /** @param engine whether the replicas compute with the engine (as executors do), rather than DL4J's layers */
    private ModelState runStage(int workers, TrainingMode mode, boolean sharded, NetworkSpec network, int every,
                                LocalSgdConfig localSgd, boolean engine) throws Exception {
        List<InMemoryCollective> group = InMemoryCollective.group(workers, Duration.ofSeconds(30));
        LabeledExamples all = randomExamples(EXAMPLES, FEATURES, CLASSES);
        VirtualShards shards = VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS);
        StageSpec spec = StageFixtures.spec(new StageSpec.Model("local-sgd-test", network, mode, every, sharded,
                localSgd), SEED, shards, workers, BATCH, iterations());
        return StageFixtures.runStage(pool, spec, all, group::get, rank -> engine
                ? Engines.forTraining(network, NetworkFactory.build(network)) : NetworkFactory.build(network),
                context -> assertEquals(engine, !(context.network.getClass().getName().contains("MultiLayerTrainable")),
                        "engine " + engine + " but " + context.network.getClass()), rule -> { });
    }

    private static int iterations() {
        return new EpochPlan(SEED, 0, VirtualShards.of(EXAMPLES, VIRTUAL_SHARDS), BATCH).iterations();
    }

    private static NetworkSpec network(String optimizer, boolean outerMomentum) {
        SparkDdpConfig config = ConfigLoader.load(null, List.of("data.train=unused-images-idx3-ubyte",
                "data.test=unused-images-idx3-ubyte", "output.dir=unused", "model.layers=[{type=dense,units=16}]",
                "optimizer.name=" + optimizer, "optimizer.learning-rate=0.05", "training.batch-size=" + BATCH))
                .config();
        return new NetworkSpec(config.model(), config.optimizer(), SEED, List.of(FEATURES), CLASSES, BATCH,
                config.training().engine(), outerMomentum);
    }

}
