package org.sparkddp.worker.stage;

import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.common.wire.ExecutorProcess;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.worker.state.StateBlocks;
import org.sparkddp.worker.state.StateStore;

/**
 * Runs one rank's iterations of one stage with a {@link StepRule}, and reports. Runs on an executor.
 *
 * <p>The stage runs to its planned end, or stops early when its time budget has passed on rank 0: rank 0 raises
 * the stop flag in the scalars of its next exchange, so every rank learns it from the same exchange and ends the
 * stage after the same iteration (in average mode a regular average, so the state is a consensus). The report
 * then covers the iterations actually run, and the state stored is the one reached there.
 *
 * <p>At the end every rank holds the whole state (the step rule's {@code finish} makes it so), and each stores its
 * share of the state's chunks as blocks ({@link StateBlocks}) and reports their checksums: the state stays on the
 * executors, and the driver receives a few bytes per chunk.
 */
final class StageLoop {
    private final StageSpec spec;
    private final int rank;
    private final RankContext context;
    private final StepRule rule;
    private final ProgressAccumulator progress;
    private final ExecutorProcess process;
    private final StateStore store;

    /** @param store where this rank's share of the state reached goes (see {@link StateBlocks}) */
    StageLoop(StageSpec spec, int rank, RankContext context, StepRule rule, ProgressAccumulator progress,
              ExecutorProcess process, StateStore store) {
        this.process = process;
        this.store = store;
        this.spec = spec;
        this.rank = rank;
        this.context = context;
        this.rule = rule;
        this.progress = progress;
    }

    StageReport run() {
        long taskStart = System.nanoTime();
        EpochPlan plan = spec.plan();
        StageSpec.Span span = spec.span();
        EpochPlan.Worker mine = plan.worker(rank, spec.data().workers());
        int count = span.toIteration() - span.fromIteration();
        StageLog log = new StageLog(count);
        long[] endNanos = new long[count];
        long divergedAt = -1;
        int done = 0;
        int[] next = count > 0 ? mine.rows(span.fromIteration()) : null;
        if (next != null) {
            context.prefetch(next);
        }
        boolean stopped = false;
        while (done < count && !stopped) {
            int t = span.fromIteration() + done;
            long iteration = span.firstGlobalIteration() + done;
            boolean last = done == count - 1;
            int[] rows = next;
            // Iteration t + 1's rows are read ahead (from a shard on disk) while iteration t computes.
            next = last ? null : mine.rows(t + 1);
            if (next != null) {
                context.prefetch(next);
            }
            FaultInjection.beforeIteration(rank, iteration);
            context.proposeStop(rank == 0 && budgetPassed(taskStart));
            if (!rule.run(done, iteration, rows, plan.globalCount(t), last, log)) {
                divergedAt = iteration;
                break;
            }
            endNanos[done] = System.nanoTime() - taskStart;
            if (rank == 0) {
                progress.add(new ProgressAccumulator.Tick(spec.data().epoch(), t + 1, iteration + 1, log.loss(done)));
            }
            done++;
            stopped = context.stopAgreed();
        }
        long[] stored = new long[0];
        if (divergedAt < 0) {
            rule.finish(log);
            stored = store.store(context.network);                                                // store
        }
        boolean lead = rank == 0;
        return new StageReport(rank, span.firstGlobalIteration(), lead ? log.losses(done) : new float[0],
                lead ? java.util.Arrays.copyOf(endNanos, done) : new long[0], log.computeNanos(), log.syncNanos(),
                span.firstGlobalIteration() + done, stored, divergedAt, process,
                lead ? TrainingStageTask.computePath(spec, context, rule) : ComputePath.UNREPORTED);
    }

    /** Rank 0's clock: only its answer counts, and it reaches the others through the exchange. */
    private boolean budgetPassed(long taskStart) {
        return System.nanoTime() - taskStart >= spec.span().timeBudget().toNanos();
    }
}
