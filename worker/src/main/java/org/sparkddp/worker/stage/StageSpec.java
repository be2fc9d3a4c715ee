package org.sparkddp.worker.stage;

import java.io.Serializable;
import java.time.Duration;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CollectiveKind;
import org.sparkddp.common.config.LocalSgdConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.collective.WireSecret;

/**
 * What every task of one training stage is told, inside the task closure: which run, which network, and which
 * iterations of which epoch to run, and which state to start from. Small by design: the state is named
 * ({@link StateVersion}, a few bytes per chunk), never carried; its chunks stay on the executors.
 *
 * @param runId            names the run, so executors reuse its replicas
 * @param mode             how ranks combine their work
 * @param averageEvery     in average mode, local steps between averages
 * @param shardedOptimizer in sync mode, shard the optimizer step across ranks where the network allows it
 * @param collective       how the ranks exchange ({@code training.collective}); auto decides from their hosts
 * @param network          how to build a replica
 * @param seed             the run's seed, from which the epoch's shuffles derive
 * @param epoch            0-based epoch index
 * @param shards           how the training examples are cut into virtual shards
 * @param workers          the number of ranks, each holding the virtual shards {@code shards} assigns it
 * @param batchSize        global minibatch size
 * @param fromIteration    first iteration of the epoch to run (inclusive)
 * @param toIteration      last iteration of the epoch to run (exclusive)
 * @param firstGlobalIteration global iteration number (optimizer steps so far) of {@code fromIteration}
 * @param syncTimeout      bound on every wait for a peer
 * @param timeBudget       the stage's wall time: once it has passed on rank 0, every rank ends the stage at the
 *                         next exchange that can carry the stop (see {@code StageLoop}); {@link #UNBOUNDED} for none
 * @param rendezvous       host:port of the driver's rendezvous, where the stage's tasks find each other
 * @param secret           the run's secret, proven (never sent) by every rendezvous and ring connection, and
 *                         whether their frames are encrypted; its {@code toString} never shows it
 * @param state            the state the stage starts from: every rank loads it (or finds it in its replica)
 * @param nextBlockRdd     the block-id namespace under which the ranks store the state they reach, fresh for
 *                         each stage attempt (from the driver's {@code SparkContext.newRddId()}), so that a failed
 *                         attempt's blocks never mix with a later one's
 * @param replicateState   whether each stored chunk gets a second copy on another executor (a cluster, not local
 *                         mode, where there is one block manager)
 * @param augment          data.augment, applied to each minibatch
 * @param localSgd         in average mode, the synchronous warm-up and the outer step at each average
 * @param wire             how gradients cross sockets between the ranks ({@code training.wire})
 */
public record StageSpec(String runId, TrainingMode mode, int averageEvery, boolean shardedOptimizer,
                        CollectiveKind collective, NetworkSpec network, long seed,
                        int epoch, VirtualShards shards, int workers, int batchSize, int fromIteration, int toIteration, long firstGlobalIteration, Duration syncTimeout,
                        Duration timeBudget, String rendezvous, WireSecret secret, StateVersion state, int nextBlockRdd,
                        boolean replicateState, Augmentation augment, LocalSgdConfig localSgd, WireFormat wire)
        implements Serializable {
    /** No time bound: the stage runs to {@code toIteration}. */
    public static final Duration UNBOUNDED = Duration.ofNanos(Long.MAX_VALUE);

    public StageSpec {
        if (collective == null) {
            throw new IllegalArgumentException("no collective kind");
        }
        // The averaging step cuts the outer momentum off the optimizer state's end: the network must carry it.
        if (mode == TrainingMode.AVERAGE && network.outerMomentum() != localSgd.hasOuterMomentum()) {
            throw new IllegalArgumentException("the network " + (network.outerMomentum() ? "carries" : "lacks")
                    + " the outer momentum buffer, but training.average-outer-momentum is " + localSgd.outerMomentum());
        }
        if (fromIteration < 0 || toIteration <= fromIteration) {
            throw new IllegalArgumentException("empty stage [" + fromIteration + ", " + toIteration + ")");
        }
        if (state.iteration() != firstGlobalIteration) {
            throw new IllegalArgumentException(state + " is not at the stage's first iteration "
                    + firstGlobalIteration);
        }
        if (augment == null) {
            throw new IllegalArgumentException("no augmentation (Augmentation.NONE for none)");
        }
        if (localSgd == null) {
            throw new IllegalArgumentException("no local SGD settings (LocalSgdConfig.PLAIN for plain averaging)");
        }
        if (timeBudget.isNegative() || timeBudget.isZero()) {
            throw new IllegalArgumentException("time budget must be > 0 but got " + timeBudget);
        }
        if (wire == null) {
            throw new IllegalArgumentException("no wire format (WireFormat.FP32 for plain floats)");
        }
    }

    /** A stage whose gradients cross sockets as fp32. */
    public StageSpec(String runId, TrainingMode mode, int averageEvery, boolean shardedOptimizer,
                     CollectiveKind collective, NetworkSpec network, long seed, int epoch, VirtualShards shards,
                     int workers, int batchSize, int fromIteration, int toIteration, long firstGlobalIteration,
                     Duration syncTimeout, Duration timeBudget, String rendezvous, WireSecret secret, StateVersion state,
                     int nextBlockRdd, boolean replicateState, Augmentation augment, LocalSgdConfig localSgd) {
        this(runId, mode, averageEvery, shardedOptimizer, collective, network, seed, epoch, shards, workers, batchSize,
                fromIteration, toIteration, firstGlobalIteration, syncTimeout, timeBudget, rendezvous, secret, state,
                nextBlockRdd, replicateState, augment, localSgd, WireFormat.FP32);
    }

    /** A stage that leaves the training images as they are. */
    public StageSpec(String runId, TrainingMode mode, int averageEvery, boolean shardedOptimizer,
                     CollectiveKind collective, NetworkSpec network, long seed, int epoch, VirtualShards shards,
                     int workers, int batchSize, int fromIteration, int toIteration, long firstGlobalIteration,
                     Duration syncTimeout, Duration timeBudget, String rendezvous, WireSecret secret, StateVersion state,
                     int nextBlockRdd, boolean replicateState) {
        this(runId, mode, averageEvery, shardedOptimizer, collective, network, seed, epoch, shards, workers, batchSize,
                fromIteration, toIteration, firstGlobalIteration, syncTimeout, timeBudget, rendezvous, secret, state,
                nextBlockRdd, replicateState, Augmentation.NONE, LocalSgdConfig.PLAIN, WireFormat.FP32);
    }

    public EpochPlan plan() {
        return new EpochPlan(seed, epoch, shards, batchSize);
    }
}
