package org.sparkddp.driver.state;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.error.InvalidInputException;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.common.wire.StateLayout;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.worker.state.StateBlocks;

/**
 * The training states of one run that live on the executors: names each new one ({@link StateVersion}), and
 * removes a state's blocks once nothing holds it. Runs on the driver, which holds only the names.
 *
 * <p>What holds a state is a {@link Role}: the state training continues from (kept while a stage runs from it,
 * since a failed stage is resubmitted from it: the exactness of retries depends on it), early stopping's best, the
 * state being checkpointed, and a finished run's final state and model. A stage attempt's blocks are named by a
 * fresh id ({@link #newBlockRdd}); an attempt that failed leaves blocks no role holds, and they go at the next
 * {@link #collect}.
 */
public final class ExecutorStates implements AutoCloseable {
    /** Why a state is kept. */
    public enum Role {
        /** The state the next stage starts from. */
        CURRENT,
        /** Early stopping's best state. */
        BEST,
        /** The finished run's final state. */
        FINAL,
        /** The finished run's model (the final or the best state). */
        MODEL
    }

    private final JavaSparkContext sc;
    private final String runId;
    private final int chunkFloats;
    private final NetworkSpec network;
    private final Map<Role, StateVersion> held = new EnumMap<>(Role.class);
    /** Every block namespace this run created whose blocks may still exist. */
    private final Set<Integer> allocated = new HashSet<>();
    private long nextId;

    /**
     * @param chunkFloats floats per chunk ({@code training.state-chunk} over 4)
     * @param network     builds the fresh state, and a fetched fresh state
     */
    public ExecutorStates(JavaSparkContext sc, String runId, int chunkFloats, NetworkSpec network) {
        this.sc = sc;
        this.runId = runId;
        this.chunkFloats = chunkFloats;
        this.network = network;
    }

    /** The network's initialization from the run's seed: built on each executor, no chunks anywhere. */
    public StateVersion fresh(long paramCount, long updaterCount) {
        return new StateVersion(runId, nextId++, 0, 0, paramCount, updaterCount, chunkFloats, new long[0],
                StateVersion.Home.FRESH, -1, null);
    }

    /**
     * A stored state that lives elsewhere (a checkpoint's chunk files), copied into the block managers by executor
     * tasks, one per chunk, each reading its chunk (CRC-checked) and storing it like a stage's end does: the run
     * then never depends on the files again (a checkpoint pruned later may be the one it resumed from), and the
     * driver never holds a chunk. A state already in blocks is returned as it is.
     */
    public StateVersion adopt(StateVersion stored) {
        if (stored.home() != StateVersion.Home.FILES) {
            return stored;
        }
        int blockRdd = newBlockRdd();
        boolean replicate = replicate();
        int chunks = stored.chunks();
        List<Long> crcs;
        try {
            crcs = org.sparkddp.driver.spark.JobLabels.describe(sc.sc(), "resume · copy " + chunks + " chunks of"
                    + " iteration " + stored.iteration() + " into the block managers", () -> sc.parallelize(
                    IntStream.range(0, chunks).boxed().toList(), Math.max(1, chunks))
                    .map(c -> StateBlocks.adopt(stored, c, blockRdd, replicate)).collect());
        } catch (Exception e) { // Spark's job failure is a SparkException, which Java cannot name here
            // A corrupt chunk file is the user's input: its one line, not Spark's job failure around it.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidInputException bad) {
                    throw bad;
                }
            }
            throw e instanceof RuntimeException runtime ? runtime
                    : new IllegalStateException("cannot read the resumed state " + stored + ": " + e.getMessage(), e);
        }
        return new StateVersion(runId, nextId++, stored.iteration(), stored.epoch(), stored.paramCount(),
                stored.updaterCount(), stored.chunkFloats(), crcs.stream().mapToLong(Long::longValue).toArray(),
                StateVersion.Home.BLOCKS, blockRdd, null);
    }

    /** A fresh namespace for the blocks of the state one stage attempt will reach. */
    public int newBlockRdd() {
        int id = sc.sc().newRddId();
        allocated.add(id);
        return id;
    }

    /** Whether stored chunks get a second copy on another executor: on a cluster, not in local mode. */
    public boolean replicate() {
        return !sc.isLocal();
    }

    /**
     * The state a successful stage reached, from its ranks' reports: each rank stored the chunks
     * {@link StateLayout#ownedBy} gives it under {@code blockRdd}, cut as the stage's starting state {@code from} is.
     * Their checksums are what the driver learns of the parameters.
     */
    public StateVersion reached(StateVersion from, StageReport[] reports, int blockRdd, long iteration, int epoch) {
        int workers = reports.length;
        StateLayout layout = from.layout();
        int chunks = layout.chunks();
        long[] crcs = new long[chunks];
        int[] seen = new int[chunks];
        for (StageReport report : reports) {
            long[] stored = report.storedCrcs();
            int[] owned = layout.ownedBy(report.rank(), workers);
            if (stored.length != owned.length) {
                throw new IllegalStateException("rank " + report.rank() + " of " + workers + " reported "
                        + stored.length + " chunks of a state of " + chunks + " chunks, not " + owned.length);
            }
            for (int i = 0; i < stored.length; i++) {
                crcs[owned[i]] = stored[i];
                seen[owned[i]]++;
            }
        }
        if (Arrays.stream(seen).anyMatch(n -> n != 1)) {
            throw new IllegalStateException("the ranks of the stage reaching iteration " + iteration
                    + " did not store every chunk of the state once: " + Arrays.toString(seen));
        }
        return new StateVersion(runId, nextId++, iteration, epoch, layout.paramCount(), layout.updaterCount(),
                layout.chunkFloats(), crcs, StateVersion.Home.BLOCKS, blockRdd, null);
    }

    /** Keeps {@code state} for {@code role}, in place of what the role held. */
    public void hold(Role role, StateVersion state) {
        held.put(role, state);
    }

    /** The state training continues from. */
    public StateVersion current() {
        StateVersion current = held.get(Role.CURRENT);
        if (current == null) {
            throw new IllegalStateException("no current state for run " + runId);
        }
        return current;
    }

    /** What {@code role} holds, if anything. */
    public java.util.Optional<StateVersion> held(Role role) {
        return java.util.Optional.ofNullable(held.get(role));
    }

    public void drop(Role role) {
        held.remove(role);
    }

    /**
     * Removes the blocks of every state of the run that no role holds: the ones training moved past, and the ones
     * failed stage attempts left. Asynchronous: the executors drop the blocks in the background.
     */
    public void collect() {
        Set<Integer> keep = new HashSet<>();
        held.values().stream().filter(v -> v.home() == StateVersion.Home.BLOCKS).forEach(v -> keep.add(v.blockRdd()));
        for (var it = allocated.iterator(); it.hasNext(); ) {
            int blockRdd = it.next();
            if (!keep.contains(blockRdd)) {
                sc.sc().env().blockManager().master().removeRdd(blockRdd, false);
                it.remove();
            }
        }
    }

    /** The state's floats on the driver: see {@link StateFetch} for who may call this. */
    public ModelState fetch(StateVersion state) {
        return StateFetch.fetch(sc, network, state);
    }

    /** Releases every state of the run; the context must still be running. */
    @Override
    public void close() {
        held.clear();
        if (!sc.sc().isStopped()) {
            collect();
        }
    }
}
