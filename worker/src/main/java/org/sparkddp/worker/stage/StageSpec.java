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
 * What every task of one training stage is told, inside the task closure (Java serialization, with the closure): which
 * run, which network, and which iterations of which epoch to run, and which state to start from. Small by design: the
 * state is named ({@link StateVersion}, a few bytes per chunk), never carried; its chunks stay on the executors. Made
 * on the driver, read on the executors.
 *
 * @param model the run, its replicas and its step rule: the same for every stage of a run
 * @param data  which examples each rank trains on, in which order
 * @param span  which iterations the stage runs, and for how long at most
 * @param state the state the stage starts from, and where the ranks store the one they reach
 * @param wire  how the ranks find and reach each other
 */
public record StageSpec(Model model, Data data, Span span, State state, Wire wire) implements Serializable {
    /** No time bound: the stage runs to {@code toIteration}. */
    public static final Duration UNBOUNDED = Duration.ofNanos(Long.MAX_VALUE);

    public StageSpec {
        if (model == null || data == null || span == null || state == null || wire == null) {
            throw new IllegalArgumentException("a stage spec lacks a part: " + model + ", " + data + ", " + span + ", "
                    + state + ", " + wire);
        }
        if (state.start().iteration() != span.firstGlobalIteration()) {
            throw new IllegalArgumentException(state.start() + " is not at the stage's first iteration "
                    + span.firstGlobalIteration());
        }
    }

    /**
     * @param runId            names the run, so executors reuse its replicas
     * @param network          how to build a replica
     * @param mode             how ranks combine their work
     * @param averageEvery     in average mode, local steps between averages
     * @param shardedOptimizer in sync mode, shard the optimizer step across ranks where the network allows it
     * @param localSgd         in average mode, the synchronous warm-up and the outer step at each average
     */
    public record Model(String runId, NetworkSpec network, TrainingMode mode, int averageEvery,
                        boolean shardedOptimizer, LocalSgdConfig localSgd) implements Serializable {
        public Model {
            if (localSgd == null) {
                throw new IllegalArgumentException("no local SGD settings (LocalSgdConfig.PLAIN for plain averaging)");
            }
            // The averaging step cuts the outer momentum off the optimizer state's end: the network must carry it.
            if (mode == TrainingMode.AVERAGE && network.outerMomentum() != localSgd.hasOuterMomentum()) {
                throw new IllegalArgumentException("the network " + (network.outerMomentum() ? "carries" : "lacks")
                        + " the outer momentum buffer, but training.average-outer-momentum is "
                        + localSgd.outerMomentum());
            }
        }
    }

    /**
     * @param seed      the run's seed, from which the epoch's shuffles derive
     * @param epoch     0-based epoch index
     * @param shards    how the training examples are cut into virtual shards
     * @param workers   the number of ranks, each holding the virtual shards {@code shards} assigns it
     * @param batchSize global minibatch size
     * @param augment   data.augment, applied to each minibatch
     */
    public record Data(long seed, int epoch, VirtualShards shards, int workers, int batchSize, Augmentation augment)
            implements Serializable {
        public Data {
            if (augment == null) {
                throw new IllegalArgumentException("no augmentation (Augmentation.NONE for none)");
            }
        }

        public EpochPlan plan() {
            return new EpochPlan(seed, epoch, shards, batchSize);
        }
    }

    /**
     * @param fromIteration        first iteration of the epoch to run (inclusive)
     * @param toIteration          last iteration of the epoch to run (exclusive)
     * @param firstGlobalIteration global iteration number (optimizer steps so far) of {@code fromIteration}
     * @param timeBudget           the stage's wall time: once it has passed on rank 0, every rank ends the stage at
     *                             the next exchange that can carry the stop (see {@code StageLoop}); {@link #UNBOUNDED}
     *                             for none
     */
    public record Span(int fromIteration, int toIteration, long firstGlobalIteration, Duration timeBudget)
            implements Serializable {
        public Span {
            if (fromIteration < 0 || toIteration <= fromIteration) {
                throw new IllegalArgumentException("empty stage [" + fromIteration + ", " + toIteration + ")");
            }
            if (timeBudget.isNegative() || timeBudget.isZero()) {
                throw new IllegalArgumentException("time budget must be > 0 but got " + timeBudget);
            }
        }
    }

    /**
     * @param start        the state the stage starts from: every rank loads it (or finds it in its replica)
     * @param nextBlockRdd the block-id namespace under which the ranks store the state they reach, fresh for each
     *                     stage attempt (from the driver's {@code SparkContext.newRddId()}), so that a failed
     *                     attempt's blocks never mix with a later one's
     * @param replicate    whether each stored chunk gets a second copy on another executor (a cluster, not local
     *                     mode, where there is one block manager)
     */
    public record State(StateVersion start, int nextBlockRdd, boolean replicate) implements Serializable {
    }

    /**
     * @param collective  how the ranks exchange ({@code training.collective}); auto decides from their hosts
     * @param rendezvous  host:port of the driver's rendezvous, where the stage's tasks find each other
     * @param secret      the run's secret, proven (never sent) by every rendezvous and ring connection, and whether
     *                    their frames are encrypted; its {@code toString} never shows it
     * @param syncTimeout bound on every wait for a peer
     * @param gradients   how gradients cross sockets between the ranks ({@code training.wire})
     * @param bucketMb    MiB per bucket of the gradient reduced during back-propagation ({@code training.bucket-mb});
     *                    0: none, the whole gradient after it
     */
    public record Wire(CollectiveKind collective, String rendezvous, WireSecret secret, Duration syncTimeout,
                       WireFormat gradients, double bucketMb) implements Serializable {
        public Wire {
            if (collective == null) {
                throw new IllegalArgumentException("no collective kind");
            }
            if (gradients == null) {
                throw new IllegalArgumentException("no wire format (WireFormat.FP32 for plain floats)");
            }
            if (!(bucketMb >= 0)) {
                throw new IllegalArgumentException("bucket-mb must be >= 0 but got " + bucketMb);
            }
        }

        /** Without overlap: the whole gradient is reduced after the backward pass. */
        public Wire(CollectiveKind collective, String rendezvous, WireSecret secret, Duration syncTimeout,
                    WireFormat gradients) {
            this(collective, rendezvous, secret, syncTimeout, gradients, 0);
        }
    }

    /** The epoch's data order. */
    public EpochPlan plan() {
        return data.plan();
    }
}
