package org.sparkddp.worker.replica;

import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.engine.Engines;
import org.sparkddp.worker.replica.IdleReplicas.Replica;
import org.sparkddp.worker.state.StateLoader;

/**
 * Model replicas kept alive in an executor JVM between stages, so that a network is built once per task slot
 * and run, not once per stage or iteration. Runs on executors (and in the driver JVM in local mode).
 *
 * <p>A replica is lent to one task at a time and always holds the state the task asks for before use, so which
 * replica a task gets never matters: a retried task on another executor computes the same thing. A replica is
 * tagged with the state it holds when a training stage that ran on it succeeded and stored that state (see
 * {@link Lease#stored}); a task asking for exactly that state skips loading it, which is the common case: the next
 * stage on the same executor. Any other lease clears the tag, since its task may have changed the replica.
 * Replicas of the {@link #RUNS_KEPT} most recently used runs are kept; older runs' idle replicas are closed
 * ({@link IdleReplicas}), never one a task is using.
 */
public final class ReplicaPool {
    /** How many runs' idle replicas an executor keeps: the few most recently used. */
    public static final int RUNS_KEPT = 4;

    private static final IdleReplicas IDLE = new IdleReplicas(RUNS_KEPT);
    private static final int UNTAGGED = IdleReplicas.UNTAGGED;

    private ReplicaPool() {
    }

    /** A borrowed replica; closing the lease returns it to the pool. */
    public static final class Lease implements AutoCloseable {
        private final String runId;
        private final TrainableNetwork network;
        private int holds;
        private boolean returned;

        private Lease(String runId, TrainableNetwork network, int holds) {
            this.runId = runId;
            this.network = network;
            this.holds = holds;
        }

        public TrainableNetwork network() {
            return network;
        }

        /**
         * Says that the task succeeded and the replica now holds the state stored as blocks named
         * {@code blockRdd}: the next task asking for that state may use it as it is.
         */
        public void stored(int blockRdd) {
            holds = blockRdd;
        }

        /** Gives the replica back, once: a second close must not put one replica in the pool twice. */
        @Override
        public void close() {
            if (!returned) {
                returned = true;
                IDLE.giveBack(runId, new Replica(network, holds));
            }
        }
    }

    /** Borrows an idle replica of the run, or builds one, holding {@code state} (parameters and optimizer state). */
    public static Lease borrow(String runId, NetworkSpec spec, StateVersion state) {
        return borrow(runId, spec, state, true);
    }

    /** Borrows a replica holding at least the parameters of {@code state}: enough for inference. */
    public static Lease borrowForInference(String runId, NetworkSpec spec, StateVersion state) {
        return borrow(runId, spec, state, false);
    }

    private static Lease borrow(String runId, NetworkSpec spec, StateVersion state, boolean withUpdater) {
        int tag = state.home() == StateVersion.Home.BLOCKS ? state.blockRdd() : UNTAGGED;
        Replica idle = IDLE.take(runId, tag);
        if (state.home() == StateVersion.Home.FRESH) {
            // A fresh build is the state: the network's initialization from the spec's seed is deterministic. An
            // idle replica taken here is closed rather than re-initialized, which would cost as much as a build.
            if (idle != null) {
                idle.network().close();
            }
            return new Lease(runId, build(spec), UNTAGGED);
        }
        if (idle != null && tag != UNTAGGED && idle.holds() == tag) {
            idle.network().setCounters(state.iteration(), state.epoch());
            // Training changes the replica: it is tagged again only if its stage succeeds (Lease.stored).
            return new Lease(runId, idle.network(), withUpdater ? UNTAGGED : tag);
        }
        TrainableNetwork network = idle != null ? idle.network() : build(spec);
        try {
            if (withUpdater) {
                StateLoader.load(state, network);
            } else {
                StateLoader.loadParams(state, network); // the optimizer state left in it is stale: untagged
            }
        } catch (RuntimeException e) { // a lost or corrupt chunk: the replica, half loaded, is of no further use
            network.close();
            throw e;
        }
        return new Lease(runId, network, UNTAGGED);
    }

    /** A new replica: DL4J's network, computed by the engine where {@code training.engine} and the network allow. */
    private static TrainableNetwork build(NetworkSpec spec) {
        return Engines.forTraining(spec, NetworkFactory.build(spec));
    }
}
