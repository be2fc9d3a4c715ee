package org.sparkddp.worker.stage;

import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.wire.ComputePath;
import org.sparkddp.common.wire.ExecutorProcess;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.worker.collective.Collective;
import org.sparkddp.worker.collective.Collectives;
import org.sparkddp.worker.collective.InMemoryCollective;
import org.sparkddp.worker.collective.RendezvousClient;
import org.sparkddp.worker.engine.Engines;
import org.sparkddp.worker.replica.ReplicaPool;
import org.sparkddp.worker.state.StateBlocks;
import scala.collection.Iterator;
import scala.runtime.AbstractFunction1;

/**
 * The function each task of a training stage runs, over its partition (one shard). Runs on an executor as a
 * barrier task, so that Spark starts all ranks together and, if any one fails, fails the stage; Spark does not
 * retry a failed barrier stage by itself, the driver resubmits it ({@code StageAttempts}).
 *
 * <p>Its only input is the {@link StageSpec}, which names the state to start from; it starts from that state
 * whatever its replica held before (a replica that stored exactly that state skips reloading it), so a
 * resubmitted stage repeats exactly the same iterations. It ends by storing its share of the state reached as
 * blocks on this executor and returning their checksums: no state goes to the driver. The tasks find each other
 * through the driver's rendezvous, once per stage, and then exchange gradients directly (through memory when they
 * all run in this JVM).
 */
public final class TrainingStageTask extends AbstractFunction1<Iterator<LabeledExamples>, Iterator<StageReport>>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    private final StageSpec spec;
    private final ProgressAccumulator progress;

    public TrainingStageTask(StageSpec spec, ProgressAccumulator progress) {
        this.spec = spec;
        this.progress = progress;
    }

    /** Runs the stage; running out of memory fails this task alone, as a deterministic failure ({@link TaskMemory}). */
    @Override
    public Iterator<StageReport> apply(Iterator<LabeledExamples> partition) {
        try {
            return train(partition);
        } catch (OutOfMemoryError e) {
            throw TaskMemory.failure(BarrierTaskContext.get().partitionId(), e);
        }
    }

    private Iterator<StageReport> train(Iterator<LabeledExamples> partition) {
        BarrierTaskContext context = BarrierTaskContext.get();
        int rank = context.partitionId();
        LabeledExamples shard = partition.next();
        String host = SparkEnv.get().blockManager().blockManagerId().host();
        ExecutorProcess process = ExecutorProcess.current(SparkEnv.get().executorId(), host);
        StageSpec.Model model = spec.model();
        StageSpec.Wire wire = spec.wire();
        int workers = spec.data().workers();
        int storeRdd = spec.state().nextBlockRdd();
        try (ReplicaPool.Lease replica = ReplicaPool.borrow(model.runId(), model.network(), spec.state().start());
             Collective collective = Collectives.connect(wire.collective(), rank, workers, host,
                     wire.secret().forStage(model.runId() + " stage " + token(context)),
                     model.runId() + " " + token(context),
                     new RendezvousClient(wire.rendezvous(), wire.secret(), token(context), rank, workers,
                             wire.syncTimeout(), context::isInterrupted),
                     wire.syncTimeout(), context::isInterrupted, wire.gradients())) {
            RankContext rankContext = new RankContext(spec.data().epoch(), rank, spec.data().seed(),
                    spec.plan().maxLocalBatch(rank, workers), shard, replica.network(), collective,
                    ImageAugmenter.of(spec.data().augment(), model.network().inputShape()));
            try (StepRule rule = rule(spec, rankContext)) {
                StageReport report = new StageLoop(spec, rank, rankContext, rule, progress, process,
                        network -> StateBlocks.store(network, spec.state().start().layout(), rank, workers, storeRdd,
                                spec.state().replicate())).run();
                if (!report.diverged()) {
                    replica.stored(storeRdd);
                }
                return scala.collection.Iterator$.MODULE$.single(report);
            }
        }
    }

    /** The step rule the spec's mode asks for, on this rank. */
    static StepRule rule(StageSpec spec, RankContext rank) {
        StageSpec.Model model = spec.model();
        if (model.mode() == TrainingMode.AVERAGE) {
            return new AveragingStep(rank, model.averageEvery(), model.localSgd(), spec.span().firstGlobalIteration());
        }
        Overlap overlap = new Overlap(spec.wire().bucketMb(), spec.wire().syncTimeout());
        if (model.shardedOptimizer()) {
            int[] owned = ShardedSyncStep.ownedParams(rank);
            var optimizer = rank.network.slicedOptimizer(owned[0], owned[1]);
            if (optimizer.isPresent()) {
                return new ShardedSyncStep(rank, optimizer.get(), overlap);
            }
        }
        return new SyncStep(rank, overlap);
    }

    /** What rank 0 tells the driver about how it computes: the layers' engine and {@code rule}, with reasons. */
    static ComputePath computePath(StageSpec spec, RankContext rank, StepRule rule) {
        String layers = Engines.describe(rank.network);
        int w = rank.collective.size();
        String step;
        if (rule instanceof AveragingStep) {
            var local = spec.model().localSgd();
            step = "average parameters and optimizer state every " + spec.model().averageEvery() + " local iterations"
                    + (local.warmupIterations() > 0 ? ", after " + local.warmupIterations() + " synchronous warm-up"
                            + " iterations" : "")
                    + (local.hasOuterStep() ? String.format(java.util.Locale.ROOT, ", then an outer Nesterov step"
                            + " (learning rate %s, momentum %s)", local.outerLearningRate(), local.outerMomentum()) : "");
        } else if (rule instanceof ShardedSyncStep) {
            step = "sync, sharded optimizer (each of " + w + " ranks updates 1/" + w + " of the parameters)";
        } else if (spec.model().shardedOptimizer()) {
            step = "sync, replicated optimizer (training.sharded-optimizer is on, but "
                    + (rank.network.runningStatistics().isEmpty()
                            ? "the sharded step has no exact slice of this network's optimizer step (one that is not"
                                    + " element-wise, or that the engine's optimizer does not cover)"
                            : "the network's batch norm keeps running statistics, which the sharded step does not"
                                    + " average") + ")";
        } else {
            step = "sync, replicated optimizer";
        }
        return new ComputePath(layers, step + rule.overlap() + wire(spec, rank.collective));
    }

    /**
     * Says how gradients crossed sockets when {@code training.wire} asked for bf16 (nothing for the default fp32):
     * bf16, or fp32 where no gradient crossed one.
     */
    static String wire(StageSpec spec, Collective collective) {
        if (spec.wire().gradients() != WireFormat.BF16) {
            return "";
        }
        String why;
        StageSpec.Model model = spec.model();
        if (model.mode() == TrainingMode.AVERAGE && model.localSgd().warmupIterations() == 0) {
            why = "average mode without a warm-up exchanges parameters only, which are never rounded";
        } else if (collective.gradientWire() == WireFormat.BF16) {
            return "; gradients cross sockets as bf16 with error feedback";
        } else if (collective.size() == 1) {
            why = "a single rank sends nothing";
        } else if (collective instanceof InMemoryCollective) {
            why = "the ranks sum in one JVM's memory";
        } else {
            why = "no gradient crosses a ring between hosts or JVMs";
        }
        return "; gradients stay fp32 (training.wire = bf16, but " + why + ")";
    }

    /** Names this stage attempt: a resubmitted stage forms a new ring, never joining its failed predecessor's. */
    private static String token(BarrierTaskContext context) {
        return context.stageId() + "." + context.stageAttemptNumber();
    }
}
