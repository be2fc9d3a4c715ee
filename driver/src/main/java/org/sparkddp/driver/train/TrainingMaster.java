package org.sparkddp.driver.train;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.config.CheckpointConfig;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.config.TrainingMode;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.StageReport;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.TrainingShards;
import org.sparkddp.driver.spark.ClusterSlots;
import org.sparkddp.driver.state.ExecutorStates;
import org.sparkddp.driver.state.ExecutorStates.Role;
import org.sparkddp.worker.collective.WireSecret;
import org.sparkddp.worker.stage.ProgressAccumulator;
import org.sparkddp.worker.stage.StageSpec;
import org.sparkddp.worker.stage.TrainingStageTask;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs data-parallel training (sync or average mode) from the driver. Decides the stages; the executors do the
 * rest.
 *
 * <p>An epoch is one barrier stage (or several, with {@code training.iterations-per-stage}). Within a stage the
 * tasks exchange gradients among themselves every iteration, so the driver's per-iteration cost is nil; per
 * stage it does four named steps: {@code name} the state to start from, {@code train} (one barrier job),
 * {@code adopt} the state the ranks reached, and {@code record} the telemetry. After each epoch it evaluates on the
 * test set, and, when due, on the validation set, whose loss early stopping watches.
 *
 * <p>The state never passes through the driver: at a stage's end the ranks store it as blocks on the executors
 * and report its chunks' checksums; the driver names it ({@link StateVersion}) and passes the name to the next
 * stage, the evaluations and the checkpoint writer ({@link ExecutorStates} keeps and removes the blocks).
 *
 * <p>Made by {@link RunAssembly}, for the command line and the Spark ML estimator alike, from the config's
 * {@link TrainingPlan}.
 */
public final class TrainingMaster {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainingMaster.class);
    private static final ClassTag<StageReport> REPORT_TAG = ClassTag$.MODULE$.apply(StageReport.class);

    private final JavaSparkContext sc;
    private final TrainingConfig training;
    private final NetworkSpec network;
    private final String runId;
    private final List<TrainingListener> listeners;
    private final CheckpointConfig checkpoints;
    private final CheckpointSink sink;
    private final ValidationConfig validation;
    /** data.augment, for the executors' training minibatches. */
    private final Augmentation augment;
    /** The part of every stage's spec that the run fixes: its replicas and step rule. */
    private final StageSpec.Model stageModel;
    /** Proven by every rendezvous and ring connection of this run, never sent; set once the context exists. */
    private final WireSecret secret;
    /** The cluster's task slots now, which size an elastic run's stages and bound how long a stage waits for them. */
    private final ClusterSlots slots;
    /** Every job of the run is cancelled past training.job-timeout. */
    private final JobDeadline deadline;
    /** The iteration of the last checkpoint written, or where the current fit started: see checkpointIfDue. */
    private long checkpointedAt;
    /** Training stages submitted so far, for the jobs' descriptions. */
    private int stagesRun;

    /**
     * @param plan      what to train and when to validate and checkpoint
     * @param runId     names the run: its replicas, state blocks and jobs
     * @param listeners who hears of each stage, epoch and resize
     * @param sink      where the checkpoints the plan makes due go ({@link CheckpointSink#NONE} for none)
     */
    public TrainingMaster(JavaSparkContext sc, TrainingPlan plan, String runId, List<TrainingListener> listeners,
                          CheckpointSink sink) {
        this.sc = sc;
        this.training = plan.training();
        this.network = plan.network();
        this.validation = plan.validation();
        this.checkpoints = plan.checkpoints();
        this.augment = plan.augment();
        this.sink = sink;
        this.secret = RunSecret.of(sc.getConf(), training);
        this.runId = runId;
        this.stageModel = new StageSpec.Model(runId, network, training.mode(), training.averageEvery(),
                training.shardedOptimizer(), training.localSgd());
        // The metrics gauges (TrainingMetricsPlugin) read the figures this run's stages report.
        this.listeners = java.util.stream.Stream.concat(listeners.stream(), java.util.stream.Stream.of(
                new RunGauges(runId))).toList();
        this.deadline = new JobDeadline(sc, "spark-ddp-" + runId, training.jobTimeout());
        this.slots = new ClusterSlots(sc.sc());
    }

    /**
     * Trains from {@code initial}, which may be a resumed checkpoint's state: training continues at iteration
     * {@code initial.iteration()}, in the same data order an uninterrupted run would use. Evaluates
     * {@code validationSet} when {@code validation.every-epochs} says, for early stopping.
     *
     * @param resumed early stopping's state in the checkpoint {@code initial} comes from, if any
     */
    public TrainingResult fit(TrainingShards train, ShardedData test, Optional<ShardedData> validationSet,
                              StartState initial, Optional<EarlyStoppingState> resumed) {
        if (validation.earlyStopping() && validationSet.isEmpty()) {
            throw new IllegalArgumentException("early stopping without a validation set");
        }
        VirtualShards shards = train.virtualShards();
        WorkerSizing sizing = new WorkerSizing(training.elastic(), training.workers(), slots::now);
        sizing.addListener(resize -> listeners.forEach(l -> l.onResize(resize)));
        ExecutorJoins joins = new ExecutorJoins(slots::now, sizing::workers, listeners);
        sc.sc().addSparkListener(joins);
        ExecutorStates states = new ExecutorStates(sc, runId, training.stateChunkFloats(), network);
        Evaluator evaluator = new Evaluator(runId, network, test);
        Optional<Evaluator> validator = validationSet.map(v -> new Evaluator(runId, network, v));
        EarlyStopping stopping = new EarlyStopping(validation);
        validator.ifPresent(v -> resumed.ifPresent(saved -> restore(stopping, states, saved, evaluator, v)));
        ProgressAccumulator progress = new ProgressAccumulator();
        sc.sc().register(progress, "spark-ddp progress " + runId);
        // Every epoch has the same number of iterations: the examples over the batch size.
        int perEpoch = new EpochPlan(training.seed(), 0, shards, training.batchSize()).iterations();
        HeartbeatProgress heartbeats = new HeartbeatProgress(progress.id(), listeners, perEpoch, training.epochs());
        sc.sc().addSparkListener(heartbeats);
        ExecutorExits exits = new ExecutorExits();
        sc.sc().addSparkListener(exits);
        List<StageRecord> stages = new ArrayList<>();
        List<EpochRecord> epochs = new ArrayList<>();
        long cap = training.maxIterations().orElse(Long.MAX_VALUE);
        checkpointedAt = initial.iteration();
        HeldOutMetrics lastEvaluation = null;
        boolean finished = false;
        try (RendezvousServer rendezvous = RendezvousServer.start(driverHost(), secret, training.syncTimeout())) {
            StateVersion start = initial.stored().map(states::adopt)
                    .orElseGet(() -> states.fresh(initial.paramCount(), initial.updaterCount()));
            states.hold(Role.CURRENT, start);
            int startEpoch = (int) (initial.iteration() / perEpoch);
            // A run resumed from the checkpoint of the epoch where early stopping ended it has nothing left to do.
            for (int epoch = startEpoch; epoch < training.epochs() && states.current().iteration() < cap
                    && !stopping.exhausted(); epoch++) {
                EpochPlan plan = new EpochPlan(training.seed(), epoch, shards, training.batchSize());
                int stagesBefore = stages.size();
                int t = (int) (states.current().iteration() - (long) epoch * perEpoch);
                while (t < plan.iterations() && states.current().iteration() < cap) {
                    int end = stageEnd(plan, t, cap - states.current().iteration(), states.current().iteration());
                    StageRecord stage = runStage(train, sizing, states, plan, t, end, perEpoch, progress,
                            rendezvous.address(), heartbeats::reached, exits);
                    stages.add(stage);
                    listeners.forEach(l -> l.onStage(stage, plan.iterations(), training.epochs()));
                    t += stage.iterations(); // where rank 0 actually stopped: at `end`, or earlier on time
                    if (t < plan.iterations()) {
                        checkpointIfDue(states, states.current(), false, stopping);
                    }
                }
                StateVersion reached = states.current();
                lastEvaluation = describe(epoch, "evaluate", () -> evaluator.evaluate(reached));
                boolean last = epoch + 1 == training.epochs() || states.current().iteration() >= cap;
                Optional<HeldOutMetrics> validated = Optional.empty();
                if (validator.isPresent() && validation.dueAfter(epoch, last)) {
                    validated = Optional.of(describe(epoch, "validate",
                            () -> validator.get().evaluate(reached)));
                    stopping.observe(epoch, validated.get(), reached, lastEvaluation);
                    stopping.best().ifPresent(b -> states.hold(Role.BEST, b.state()));
                }
                EpochRecord record = epochRecord(epoch, stages.subList(stagesBefore, stages.size()), lastEvaluation,
                        validated);
                epochs.add(record);
                listeners.forEach(l -> l.onEpoch(record, training.epochs()));
                checkpointIfDue(states, states.current(), t == plan.iterations(), stopping);
                if (states.current().iteration() >= cap) {
                    checkpointCut(states, states.current(), stopping);
                }
                states.collect();
            }
            if (lastEvaluation == null) { // resumed at the very end: nothing left to train, but report the model
                StateVersion reached = states.current();
                lastEvaluation = describe(startEpoch, "evaluate", () -> evaluator.evaluate(reached));
            }
            TrainingResult result = result(states, states.current(), epochs, stages, lastEvaluation, stopping, cap);
            finished = true;
            return result;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot start the rendezvous server on the driver", e);
        } finally {
            sc.sc().removeSparkListener(heartbeats);
            sc.sc().removeSparkListener(exits);
            sc.sc().removeSparkListener(joins);
            if (!finished) {
                states.close(); // a failed run leaves no blocks behind; a finished one's go with its result
            }
        }
    }

    /** Under early stopping the model is the best state evaluated, with its test metrics; else the final one. */
    private TrainingResult result(ExecutorStates states, StateVersion reached, List<EpochRecord> epochs,
                                  List<StageRecord> stages, HeldOutMetrics lastTest, EarlyStopping stopping, long cap) {
        Optional<EarlyStopping.Best> best = stopping.best();
        states.drop(Role.CURRENT);
        states.drop(Role.BEST);
        states.hold(Role.FINAL, reached);
        if (best.isEmpty()) {
            states.hold(Role.MODEL, reached);
            states.collect();
            return new TrainingResult(reached, epochs, stages, reached, lastTest, Optional.empty(), states);
        }
        boolean keep = validation.earlyStopping();
        // Early, when patience ran out before the epochs or the iteration cap did.
        boolean stoppedEarly = stopping.exhausted() && reached.epoch() < training.epochs() && reached.iteration() < cap;
        EarlyStopping.Best b = best.get();
        // The last epoch is always validated; a resume with nothing left to train has only the best evaluation.
        HeldOutMetrics finalValidation = epochs.isEmpty() ? b.validation()
                : epochs.get(epochs.size() - 1).validation().orElse(b.validation());
        states.hold(Role.MODEL, keep ? b.state() : reached);
        states.collect();
        return new TrainingResult(reached, epochs, stages, keep ? b.state() : reached, keep ? b.test() : lastTest,
                Optional.of(new TrainingResult.ValidationOutcome(b.epoch(), b.loss(),
                        keep ? b.validation() : finalValidation, keep, stoppedEarly)), states);
    }

    /**
     * Writes a checkpoint at the first stage end at or after each due point: stage ends move (to an average, or
     * earlier on time), so a due point is passed rather than hit.
     */
    private void checkpointIfDue(ExecutorStates states, StateVersion state, boolean epochEnd,
                                 EarlyStopping stopping) {
        if (checkpoints.dueAfter(checkpointedAt, state.iteration(), epochEnd, state.epoch())) {
            // Both states are held (CURRENT, BEST) while the sink reads them: it returns before the next collect.
            sink.save(state, validation.earlyStopping() ? stopping.snapshot() : Optional.empty());
            checkpointedAt = state.iteration();
        }
    }

    /**
     * A run that training.max-iterations ends writes its last state, wherever the cap falls (mid-epoch too), unless
     * the checkpoint just written holds it: {@code --resume} with a higher cap continues it.
     */
    private void checkpointCut(ExecutorStates states, StateVersion state, EarlyStopping stopping) {
        if (checkpoints.enabled() && state.iteration() > checkpointedAt) {
            sink.save(state, validation.earlyStopping() ? stopping.snapshot() : Optional.empty());
            checkpointedAt = state.iteration();
        }
    }

    /**
     * A resumed run's early stopping: the checkpoint's best state, copied into the executors' block managers and
     * evaluated again for its figures.
     */
    private void restore(EarlyStopping stopping, ExecutorStates states, EarlyStoppingState saved, Evaluator tester,
                         Evaluator validator) {
        StateVersion best = states.adopt(saved.bestState());
        states.hold(Role.BEST, best);
        HeldOutMetrics test = describe(saved.bestEpoch(), "evaluate the best state", () -> tester.evaluate(best));
        HeldOutMetrics validated = describe(saved.bestEpoch(), "validate the best state",
                () -> validator.evaluate(best));
        stopping.restore(saved, best, validated, test);
    }

    /** The address executors already reach the driver's block manager at. */
    private static String driverHost() {
        return org.apache.spark.SparkEnv.get().blockManager().blockManagerId().host();
    }

    /**
     * A stage ends at the epoch's end, after iterations-per-stage, at the iteration cap, or at a checkpoint. In
     * average mode an end of the last two kinds moves on to the next average (a global iteration count that is a
     * multiple of K), never past the epoch's end: a stage end forces an average, and one that fell mid-window
     * would make the result depend on where stages end. Epoch ends and the cap fall alike in every run.
     */
    private int stageEnd(EpochPlan plan, int from, long iterationsLeft, long iteration) {
        long end = plan.iterations();
        if (training.iterationsPerStage().isPresent()) {
            end = Math.min(end, from + (long) training.iterationsPerStage().getAsInt());
        }
        if (checkpoints.enabled() && checkpoints.everyIterations().isPresent()) {
            long every = checkpoints.everyIterations().getAsInt();
            end = Math.min(end, from + (every - iteration % every));
        }
        long capped = from + iterationsLeft;
        if (training.mode() == TrainingMode.AVERAGE && end < plan.iterations() && end < capped) {
            long k = training.averageEvery();
            long reached = iteration + (end - from);
            long average = (reached + k - 1) / k * k;
            end = Math.min(plan.iterations(), from + (average - iteration));
        }
        return (int) Math.min(end, capped);
    }

    private StageRecord runStage(TrainingShards train, WorkerSizing sizing, ExecutorStates states, EpochPlan plan,
                                 int from, int to, int perEpoch, ProgressAccumulator progress, String rendezvous,
                                 java.util.function.LongSupplier heartbeatIteration, ExecutorExits exits) {
        long start = System.nanoTime();
        StateVersion state = states.current();                                                 // name
        int resizesBefore = sizing.resizes().size();
        Duration budget = training.stageSeconds().isPresent() ? Duration.ofSeconds(training.stageSeconds().getAsInt())
                : StageSpec.UNBOUNDED;
        // Global iterations, e.g. "iterations 938–1406 · sync"; the UI's label adds the stage, counted over the run.
        String iterations = "iterations " + state.iteration() + "–" + (state.iteration() + to - from - 1);
        String what = iterations + " · " + training.mode().configName();
        String label = iterations + " · stage " + ++stagesRun + " · " + training.mode().configName();
        int[] blockRdd = new int[1];
        // Each attempt runs on the workers sizing decides then (resize), on the shards cut for that many, and
        // stores the state it reaches under a namespace of its own.
        StageAttempts.Outcome<StageReport[]> outcome = StageAttempts.run(training.stageAttempts(), sizing, // train
                "epoch " + (plan.epoch() + 1) + " · " + what, state.iteration(), plan.epoch(), heartbeatIteration,
                workers -> {
                    blockRdd[0] = states.newBlockRdd();
                    StageSpec spec = new StageSpec(stageModel,
                            new StageSpec.Data(training.seed(), plan.epoch(), plan.shards(), workers,
                                    training.batchSize(), augment),
                            new StageSpec.Span(from, to, state.iteration(), budget),
                            new StageSpec.State(state, blockRdd[0], states.replicate()),
                            new StageSpec.Wire(training.collective(), rendezvous, secret, training.syncTimeout(),
                                    training.wire(), training.bucketMb()));
                    ShardedData shards = train.forWorkers(workers);
                    return describe(plan.epoch(), label + " · " + workers + " workers",
                            () -> SlotWatch.guard(slots::now, workers, training.elastic().replacementWait(),
                                    deadline::cancelNow, () -> trainStage(shards, spec, progress)));
                });
        train.settled();
        StageReport[] reports = outcome.result();
        Arrays.stream(reports).forEach(r -> exits.ran(r.process()));
        StageReport rank0 = Arrays.stream(reports).filter(r -> r.rank() == 0).findFirst()       // adopt
                .orElseThrow(() -> new IllegalStateException("no report from rank 0"));
        if (rank0.diverged()) {
            throw new TrainingDivergedException(rank0.divergedAt(), plan.epoch(), sink.last());
        }
        long iteration = rank0.reachedIteration();
        // The stage that started from `state` succeeded: it is no longer needed for a retry.
        states.hold(Role.CURRENT, states.reached(state, reports, blockRdd[0], iteration, (int) (iteration / perEpoch)));
        states.collect();
        StateVersion reached = states.current();
        // to - from, or fewer when the stage's time budget ended it on every rank at once
        int ran = Math.toIntExact(reached.iteration() - state.iteration());
        int[] examples = new int[ran];                                                        // record
        for (int t = from; t < from + ran; t++) {
            examples[t - from] = plan.globalCount(t);
        }
        long compute = Arrays.stream(reports).mapToLong(StageReport::computeNanos).sum() / reports.length;
        long allReduce = Arrays.stream(reports).mapToLong(StageReport::syncNanos).sum() / reports.length;
        return new StageRecord(plan.epoch(), state.iteration(), rank0.losses(), examples, rank0.endNanos(),
                System.nanoTime() - start, compute, allReduce, outcome.attempts(), outcome.redoneIterations(),
                outcome.failedNanos(), exits.takeNew(), reports.length,
                sizing.resizes().subList(resizesBefore, sizing.resizes().size()), rank0.computePath());
    }

    private StageReport[] trainStage(ShardedData train, StageSpec spec, ProgressAccumulator progress) {
        RDD<StageReport> reports = train.rdd().rdd().barrier()
                .mapPartitions(new TrainingStageTask(spec, progress), false, REPORT_TAG);
        return (StageReport[]) reports.collect();
    }

    /**
     * Runs a Spark job under a readable description, e.g. "epoch 3/20 · iterations 938–1406 · stage 3 · sync · 2
     * workers" (under the run's label, JobLabels), for the UI and for the one line that a job cancelled past
     * training.job-timeout ends the run with.
     */
    private <T> T describe(int epoch, String what, java.util.function.Supplier<T> job) {
        return deadline.run("epoch " + (epoch + 1) + "/" + training.epochs() + " · " + what, job);
    }

    private static EpochRecord epochRecord(int epoch, List<StageRecord> stages, HeldOutMetrics test,
                                           Optional<HeldOutMetrics> validation) {
        int iterations = 0;
        long examples = 0;
        double weightedLoss = 0;
        long trainNanos = 0;
        long computeNanos = 0;
        long allReduceNanos = 0;
        for (StageRecord s : stages) {
            iterations += s.iterations();
            for (int i = 0; i < s.iterations(); i++) {
                examples += s.examples()[i];
                weightedLoss += (double) s.losses()[i] * s.examples()[i];
            }
            trainNanos += s.wallNanos();
            computeNanos += s.computeNanos();
            allReduceNanos += s.allReduceNanos();
        }
        return new EpochRecord(epoch, iterations, examples, weightedLoss / examples, test, validation,
                trainNanos, computeNanos, allReduceNanos);
    }
}
