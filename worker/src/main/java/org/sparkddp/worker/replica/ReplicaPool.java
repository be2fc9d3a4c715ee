package org.sparkddp.worker.replica;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.model.TrainableNetwork;
import org.sparkddp.common.wire.ModelState;

/**
 * Model replicas kept alive in an executor JVM between stages, so that a network is built once per task slot
 * and run, not once per stage or iteration. Runs on executors (and in the driver JVM in local mode).
 *
 * <p>A replica is lent to one task at a time and always overwritten with the stage's broadcast state before
 * use, so which replica a task gets never matters: a retried task on another executor computes the same thing.
 * Replicas of the few most recently used runs are kept; older runs' replicas are dropped for the GC.
 */
public final class ReplicaPool {
    private static final int RUNS_KEPT = 4;

    /** Idle replicas per run id, least recently used run first. */
    private static final LinkedHashMap<String, Deque<TrainableNetwork>> IDLE = new LinkedHashMap<>(8, 0.75f, true);

    private ReplicaPool() {
    }

    /** A borrowed replica; closing the lease returns it to the pool. */
    public static final class Lease implements AutoCloseable {
        private final String runId;
        private final TrainableNetwork network;

        private Lease(String runId, TrainableNetwork network) {
            this.runId = runId;
            this.network = network;
        }

        public TrainableNetwork network() {
            return network;
        }

        @Override
        public void close() {
            giveBack(runId, network);
        }
    }

    /** Borrows an idle replica of the run, or builds one, and loads {@code state} into it. */
    public static Lease borrow(String runId, NetworkSpec spec, ModelState state) {
        TrainableNetwork network = takeOrBuild(runId, spec);
        state.applyTo(network);
        return new Lease(runId, network);
    }

    /** Borrows a replica and loads only the parameters: enough for inference. */
    public static Lease borrowForInference(String runId, NetworkSpec spec, ModelState state) {
        TrainableNetwork network = takeOrBuild(runId, spec);
        state.applyParamsTo(network);
        return new Lease(runId, network);
    }

    private static TrainableNetwork takeOrBuild(String runId, NetworkSpec spec) {
        TrainableNetwork network = takeIdle(runId);
        return network != null ? network : NetworkFactory.build(spec);
    }

    private static synchronized TrainableNetwork takeIdle(String runId) {
        Deque<TrainableNetwork> idle = IDLE.get(runId);
        return idle == null ? null : idle.pollFirst();
    }

    private static synchronized void giveBack(String runId, TrainableNetwork network) {
        IDLE.computeIfAbsent(runId, k -> new ArrayDeque<>()).addFirst(network);
        Iterator<Map.Entry<String, Deque<TrainableNetwork>>> oldestFirst = IDLE.entrySet().iterator();
        while (IDLE.size() > RUNS_KEPT && oldestFirst.hasNext()) {
            oldestFirst.next();
            oldestFirst.remove();
        }
    }

    /** Number of idle replicas held for a run; for tests. */
    public static synchronized int idleCount(String runId) {
        Deque<TrainableNetwork> idle = IDLE.get(runId);
        return idle == null ? 0 : idle.size();
    }
}
