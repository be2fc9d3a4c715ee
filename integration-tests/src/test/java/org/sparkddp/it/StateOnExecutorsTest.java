package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CheckpointConfig;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.error.DeterministicFailure;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.TrainingShards;
import org.sparkddp.driver.checkpoint.DriverStates;
import org.sparkddp.driver.state.StateFetch;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.StageRecord;
import org.sparkddp.driver.train.StartState;
import org.sparkddp.driver.train.TrainingListener;
import org.sparkddp.driver.train.TrainingMaster;
import org.sparkddp.driver.train.TrainingPlan;
import org.sparkddp.driver.train.TrainingResult;
import org.sparkddp.worker.replica.ReplicaPool;
import org.sparkddp.worker.state.StateChunks;

/**
 * The training state stays on the executors: a training task returns a few hundred bytes (timings, losses and one
 * checksum per chunk of the state it stored) whatever the model's size, the driver receives no state at a stage's
 * end, and the state still goes from stage to stage exactly, through the executors' blocks. Chunks are forced
 * small ({@code training.state-chunk}) so that a model of a million parameters has hundreds of them, some
 * straddling the end of the parameters and the start of the optimizer state.
 */
class StateOnExecutorsTest extends LocalSparkTest {
    /** 784 x 1400 + 1400 x 10 weights and their biases: 1.11M parameters, 13 MB of state with Adam's moments. */
    private static final String[] LARGE = {"model.layers=[{type=dense,units=1400}]", "optimizer.name=adam",
        "training.batch-size=64", "training.epochs=1", "training.max-iterations=6",
        "training.iterations-per-stage=2", "training.state-chunk=64k"};

    /** Task result sizes per Spark job description, e.g. "spark-ddp · epoch 1/1 · iterations 0–1 · stage 1 · sync". */
    private static final class ResultSizes extends SparkListener {
        private final Map<Integer, String> stageJobs = new ConcurrentHashMap<>();
        final Map<String, List<Long>> byJob = new ConcurrentHashMap<>();

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            String description = start.properties() == null ? null
                    : start.properties().getProperty("spark.job.description");
            for (Object id : scala.collection.JavaConverters.seqAsJavaList(start.stageIds())) {
                stageJobs.put((Integer) id, description == null ? "" : description);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (end.taskMetrics() != null) {
                byJob.computeIfAbsent(stageJobs.getOrDefault(end.stageId(), ""), k -> new ArrayList<>())
                        .add(end.taskMetrics().resultSize());
            }
        }
    }

    /**
     * Evicts the run's idle replicas after each stage, so that each stage loads its state from the blocks: the pool
     * keeps the replicas of its {@link ReplicaPool#RUNS_KEPT} most recently used runs, so a replica borrowed and
     * given back for that many other runs pushes the run's out (local mode: the driver's JVM is the executor's).
     */
    private final class EvictReplicas implements TrainingListener {
        private final NetworkSpec small = Distributed.spec(TestData.config(out), data);
        private final StateVersion fresh;

        EvictReplicas() {
            TrainableNetwork network = NetworkFactory.build(small);
            fresh = new StateVersion("evict", 0, 0, 0, network.params().length(), network.updaterState().length(),
                    4096, new long[0], StateVersion.Home.FRESH, -1, null);
        }

        @Override
        public void onStage(StageRecord stage, int iterationsInEpoch, int epochs) {
            for (int i = 0; i < ReplicaPool.RUNS_KEPT; i++) {
                ReplicaPool.borrow("evict-" + i, small, fresh).close();
            }
        }
    }

    private TrainingResult train(ConfigLoader.Loaded loaded, List<TrainingListener> listeners) {
        var t = loaded.config().training();
        NetworkSpec spec = Distributed.spec(loaded, data);
        VirtualShards shards = VirtualShards.of(data.train().size(), DataConfig.DEFAULT_VIRTUAL_SHARDS);
        try (TrainingShards train = TrainingShards.resizable(
                ShardedData.forTraining(sc, data.train(), shards, t.workers(), "train"), w -> {
                    throw new AssertionError("a resize to " + w + " workers in a run of " + t.workers());
                });
             ShardedData test = ShardedData.forEvaluation(sc, data.test(), t.workers(), "test")) {
            TrainingPlan plan = new TrainingPlan(t, spec, Augmentation.NONE, ValidationConfig.NONE,
                    CheckpointConfig.NONE);
            return new TrainingMaster(sc, plan, "state-" + System.nanoTime(), listeners, CheckpointSink.NONE)
                    .fit(train, test, Optional.empty(), StartState.fresh(spec), Optional.empty());
        }
    }

    @Test
    void trainingTasksReturnAFewHundredBytesAndTheStateStillMatchesDl4j() {
        ConfigLoader.Loaded loaded = TestData.config(out, LARGE);
        ResultSizes sizes = new ResultSizes();
        sc.sc().addSparkListener(sizes);
        TrainingResult result;
        try {
            result = train(loaded, List.of());
        } finally {
            sc.sc().removeSparkListener(sizes);
        }
        assertEquals(6, result.iterations());
        StateVersion reached = result.finalVersion();
        long stateBytes = reached.layout().totalFloats() * Float.BYTES;
        assertTrue(reached.paramCount() > 1_000_000, reached.toString());
        assertTrue(reached.chunks() > 100, reached.toString());

        List<Long> training = new ArrayList<>();
        sizes.byJob.forEach((job, results) -> {
            if (job.contains("iterations")) {
                training.addAll(results);
            }
        });
        assertEquals(3 * 2, training.size(), "3 stages of 2 tasks: " + sizes.byJob.keySet());
        long most = training.stream().mapToLong(Long::longValue).max().orElseThrow();
        long all = sizes.byJob.values().stream().flatMap(List::stream).mapToLong(Long::longValue).sum();
        System.out.printf("state of %,d bytes in %d chunks; %d training tasks returned at most %,d bytes each; "
                + "all tasks of the fit returned %,d bytes%n", stateBytes, reached.chunks(), training.size(), most, all);
        // A rank's report: timings, rank 0's losses, and 8 bytes per chunk it stored (about 100 here).
        assertTrue(most < 4096, "a training task returned " + most + " bytes; the state is " + stateBytes);
        assertTrue(all < stateBytes / 100, "the driver received " + all + " bytes in all for a state of "
                + stateBytes);

        // The state, fetched from the blocks only now, is the one single-process DL4J reaches.
        ModelState state = finalState(result);
        MultiLayerNetwork single = SingleMachine.train(Distributed.spec(loaded, data), data.train(),
                loaded.config().training());
        double params = Tolerances.maxAbsoluteError(single.params().toFloatVector(), state.params());
        assertTrue(params <= 1e-4, "max absolute parameter difference " + params);
        assertEquals(2L * state.params().length, state.updaterState().length, "Adam keeps two moments");
        result.release();
    }

    @Test
    void loadingEachStagesStateFromTheBlocksIsBitwiseTheReplicasOwn() {
        ConfigLoader.Loaded loaded = TestData.config(out, LARGE);
        TrainingResult kept = train(loaded, List.of());
        TrainingResult loadedEachStage = train(loaded, List.of(new EvictReplicas()));
        assertEquals(kept.iterations(), loadedEachStage.iterations());
        assertTrue(Arrays.equals(finalState(kept).params(), finalState(loadedEachStage).params()),
                "parameters differ");
        assertTrue(Arrays.equals(finalState(kept).updaterState(), finalState(loadedEachStage).updaterState()),
                "optimizer state differs");
        assertEquals(kept.finalVersion().iteration(), loadedEachStage.finalVersion().iteration());
        assertTrue(Arrays.equals(kept.finalVersion().crcs(), loadedEachStage.finalVersion().crcs()),
                "the chunks' checksums differ");
        kept.release();
        loadedEachStage.release();
    }

    @Test
    void aStateLostOnEveryExecutorFailsWithOneDeterministicLine() {
        NetworkSpec spec = Distributed.spec(TestData.config(out), data);
        ModelState fresh = ModelState.capture(NetworkFactory.build(spec), 3, 0);
        try (DriverStates states = DriverStates.withChunks(sc, 4096)) {
            StateVersion state = states.put("lost-" + System.nanoTime(), fresh);
            assertEquals(fresh, StateFetch.fetch(sc, spec, state), "the state before its blocks are removed");
            sc.sc().env().blockManager().master().removeRdd(state.blockRdd(), true);
            RuntimeException lost = assertThrows(RuntimeException.class, () -> StateChunks.read(state, 1));
            assertTrue(lost instanceof DeterministicFailure, lost.getClass().getName());
            assertTrue(lost.getMessage().startsWith("chunk 1 of " + state), lost.getMessage());
            assertTrue(lost.getMessage().contains("lost on every executor that held it"), lost.getMessage());
            assertEquals(1, lost.getMessage().lines().count(), lost.getMessage());
        }
    }

    /** The fresh state each executor builds from the seed is the one the driver would have sent. */
    @Test
    void theFreshStateBuiltOnAnExecutorIsTheDriversInitialState() {
        NetworkSpec spec = Distributed.spec(TestData.config(out, "optimizer.name=adam"), data);
        ModelState driver = ModelState.capture(NetworkFactory.build(spec), 0, 0);
        List<ModelState> built = sc.parallelize(List.of(0, 1), 2)
                .map(i -> ModelState.capture(NetworkFactory.build(spec), 0, 0)).collect();
        for (ModelState executor : built) {
            assertEquals(driver, executor);
        }
    }
}
