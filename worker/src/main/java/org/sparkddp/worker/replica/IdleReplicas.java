package org.sparkddp.worker.replica;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkddp.common.model.TrainableNetwork;

/**
 * The idle replicas of an executor JVM, per run, keeping the {@code runsKept} most recently used runs: a replica of
 * an older run is closed when it is evicted, so that its native buffers are freed at once rather than when a GC
 * happens to run. Thread-safe. Runs on executors (and in the driver JVM in local mode).
 *
 * <p>Only idle replicas are ever closed here: a replica lent to a task is out of this store until the task gives
 * it back, so a task never has its replica closed under it, whatever other runs do meanwhile. A replica given back
 * to a run that was evicted while it was out simply makes that run the most recent again.
 */
final class IdleReplicas {
    /** No state tag: the replica must be loaded before use. */
    static final int UNTAGGED = -1;

    /** A replica and the {@code StateVersion.blockRdd} of the state it holds, or {@link #UNTAGGED}. */
    record Replica(TrainableNetwork network, int holds) {
    }

    private final int runsKept;
    /** Idle replicas per run id, least recently used run first. */
    private final LinkedHashMap<String, Deque<Replica>> idle = new LinkedHashMap<>(8, 0.75f, true);

    IdleReplicas(int runsKept) {
        if (runsKept < 1) {
            throw new IllegalArgumentException("runsKept must be >= 1 but got " + runsKept);
        }
        this.runsKept = runsKept;
    }

    /**
     * Takes an idle replica of the run out of the store, preferably one holding the state tagged {@code tag}; null
     * if none is idle. The caller owns it from now on: it must give it back or close it.
     */
    synchronized Replica take(String runId, int tag) {
        Deque<Replica> replicas = idle.get(runId);
        if (replicas == null) {
            return null;
        }
        for (Iterator<Replica> it = replicas.iterator(); it.hasNext(); ) {
            Replica r = it.next();
            if (tag != UNTAGGED && r.holds() == tag) {
                it.remove();
                return r;
            }
        }
        return replicas.pollFirst();
    }

    /** Gives back a replica the caller owned, and closes the idle replicas of runs beyond the most recent ones. */
    void giveBack(String runId, Replica replica) {
        List<Replica> evicted = new ArrayList<>();
        synchronized (this) {
            idle.computeIfAbsent(runId, k -> new ArrayDeque<>()).addFirst(replica);
            Iterator<Map.Entry<String, Deque<Replica>>> oldestFirst = idle.entrySet().iterator();
            while (idle.size() > runsKept && oldestFirst.hasNext()) {
                evicted.addAll(oldestFirst.next().getValue());
                oldestFirst.remove();
            }
        }
        // Out of the store, so no task can take them: closed outside the lock, which borrowers wait on.
        evicted.forEach(r -> r.network().close());
    }
}
