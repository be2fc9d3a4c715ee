package org.sparkddp.worker.stage;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.data.ShardBuilder;
import org.sparkddp.common.data.UnsignedByteFeatures;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.SlicedOptimizer;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.engine.Engines;

/**
 * Not a test: an executor's training iteration against the single-process step {@code deploy/bench compute} times,
 * in this thread's CPU time, on one rank (a single-rank collective, so no exchange): the step on one fixed batch
 * (computeGradient + step, the harness), the iteration as the default sync rule runs it ({@link ShardedSyncStep}:
 * the batch assembled from a shard of 30,000 pixel rows cached in memory, the sliced optimizer, its check), as the
 * replicated rule runs it ({@link SyncStep}), and the pieces the step leaves out on their own. Rounds of each in
 * turn; medians. Run it from the repository root with {@code OMP_NUM_THREADS=1}:
 *
 * <pre>java -cp worker/target/classes:worker/target/test-classes:$(deps) org.sparkddp.worker.stage.IterationTiming
 *     [conf/fashion-mnist-mlp.conf]</pre>
 */
public final class IterationTiming {
    private static final int BATCH = 128;
    private static final int SHARD_ROWS = 30_000;
    private static final int ROUNDS = 15;
    private static final int PER_ROUND = 40;

    private IterationTiming() {
    }

    public static void main(String[] args) throws Exception {
        String file = args.length > 0 ? args[0] : "conf/fashion-mnist-mlp.conf";
        NetworkSpec spec = NetworkSpec.of(ConfigLoader.load(new ConfigLoader.Source(file,
                Files.readString(Path.of(file))), List.of()).config(), new int[] {1, 28, 28}, 10);
        LabeledExamples shard = shard();
        Collective single = Collectives.connect(CollectiveKind.AUTO, 0, 1, "127.0.0.1", "timing", null,
                Duration.ofSeconds(5), () -> false);
        TrainableNetwork harness = Engines.forTraining(spec, NetworkFactory.build(spec));
        RankContext sharded = new RankContext(0, 0, 42, BATCH, shard, Engines.forTraining(spec,
                NetworkFactory.build(spec)), single);
        int[] owned = ShardedSyncStep.ownedParams(sharded);
        SlicedOptimizer optimizer = sharded.network.slicedOptimizer(owned[0], owned[1]).orElseThrow();
        StepRule shardedRule = new ShardedSyncStep(sharded, optimizer, Overlap.OFF);
        RankContext replicated = new RankContext(0, 0, 42, BATCH, shard, Engines.forTraining(spec,
                NetworkFactory.build(spec)), single);
        StepRule replicatedRule = new SyncStep(replicated);
        DataSet fixed = new MinibatchBuffer(BATCH, shard.numFeatures(), shard.targetWidth()).assemble(shard,
                rows(new Random(1)));
        MinibatchBuffer buffer = new MinibatchBuffer(BATCH, shard.numFeatures(), shard.targetWidth());
        Random random = new Random(2);
        StageLog log = new StageLog(1);
        long[] iteration = {0};
        List<Runnable> work = List.of(
                () -> {
                    harness.computeGradient(fixed);
                    harness.step(iteration[0]++, 0, BATCH);
                },
                () -> iterate(sharded, shardedRule, rows(random), iteration[0]++, log),
                () -> iterate(replicated, replicatedRule, rows(random), iteration[0]++, log),
                () -> buffer.assemble(shard, rows(random)),
                () -> RankContext.finite(1f, replicated.network),
                optimizer::finite);
        String[] names = {"step on a fixed batch (the harness)", "iteration, sharded sync (the default)",
            "iteration, replicated sync", "  batch assembly from the cached shard", "  gradient check (replicated)",
            "  parameter check (sharded)"};
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[][] ms = new double[work.size()][ROUNDS];
        for (int round = -2; round < ROUNDS; round++) { // two rounds of warm-up
            for (int w = 0; w < work.size(); w++) {
                long t = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < PER_ROUND; i++) {
                    work.get(w).run();
                }
                if (round >= 0) {
                    ms[w][round] = (threads.getCurrentThreadCpuTime() - t) / 1e6 / PER_ROUND;
                }
            }
        }
        for (int w = 0; w < work.size(); w++) {
            Arrays.sort(ms[w]);
            System.out.printf("%-42s %7.3f ms CPU (median of %d rounds of %d)%n", names[w], ms[w][ROUNDS / 2], ROUNDS,
                    PER_ROUND);
        }
    }

    /** One iteration as {@link StageLoop} runs it, less the progress tick and the time budget. */
    private static void iterate(RankContext rank, StepRule rule, int[] rows, long iteration, StageLog log) {
        rank.prefetch(rows);
        rank.proposeStop(false);
        if (!rule.run(0, iteration, rows, rows.length, false, log)) {
            throw new IllegalStateException("diverged at iteration " + iteration);
        }
    }

    private static int[] rows(Random random) {
        int[] rows = new int[BATCH];
        for (int i = 0; i < BATCH; i++) {
            rows[i] = random.nextInt(SHARD_ROWS);
        }
        return rows;
    }

    /** Random pixels ({@link StageFixtures#randomExamples}), cached as a worker caches its shard of IDX images. */
    private static LabeledExamples shard() {
        LabeledExamples random = StageFixtures.randomExamples(SHARD_ROWS, 28 * 28, 10);
        byte[] pixels = ((UnsignedByteFeatures) random.features()).data();
        int[] labels = random.classLabels().labels();
        ShardBuilder builder = ShardBuilder.images(new int[] {1, 28, 28}, 10);
        for (int i = 0; i < SHARD_ROWS; i++) {
            builder.addImage(pixels, i * 28 * 28, labels[i]);
        }
        return builder.build();
    }
}
