package org.sparkddp.driver.train;

import java.util.List;
import java.util.Optional;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.state.ExecutorStates;

/**
 * The outcome of a training run. Runs on the driver. The states it names live on the executors, as blocks, until
 * {@link #release}; {@link #model} and {@link #fetch} bring one to the driver (a Spark job).
 */
public final class TrainingResult {
    private final StateVersion finalVersion;
    private final List<EpochRecord> epochs;
    private final List<StageRecord> stages;
    private final StateVersion modelVersion;
    private final HeldOutMetrics test;
    private final Optional<ValidationOutcome> validation;
    private final ExecutorStates states;
    private ModelState fetchedModel;

    /**
     * @param finalVersion parameters and updater state after the last iteration
     * @param epochs       per-epoch figures, in order
     * @param stages       per-stage figures, in order
     * @param modelVersion the state to save: the final one, or under early stopping the best one
     * @param test         test-set metrics of {@code model}
     * @param validation   what the validation set decided, if there was one
     * @param states       where the two states live, holding them until {@link #release}
     */
    public TrainingResult(StateVersion finalVersion, List<EpochRecord> epochs, List<StageRecord> stages,
                          StateVersion modelVersion, HeldOutMetrics test, Optional<ValidationOutcome> validation,
                          ExecutorStates states) {
        this.finalVersion = finalVersion;
        this.epochs = List.copyOf(epochs);
        this.stages = List.copyOf(stages);
        this.modelVersion = modelVersion;
        this.test = test;
        this.validation = validation;
        this.states = states;
    }

    /**
     * @param bestEpoch    0-based epoch with the lowest validation loss
     * @param bestLoss     that loss
     * @param metrics      the validation metrics of {@code model}
     * @param keptBest     whether {@code model} is the best epoch's state (early stopping), not the final one
     * @param stoppedEarly whether early stopping ended training before {@code training.epochs}
     */
    public record ValidationOutcome(int bestEpoch, double bestLoss, HeldOutMetrics metrics, boolean keptBest,
                                    boolean stoppedEarly) {
    }

    /** The state after the last iteration, on the executors. */
    public StateVersion finalVersion() {
        return finalVersion;
    }

    /** The state to save (the final one, or under early stopping the best one), on the executors. */
    public StateVersion modelVersion() {
        return modelVersion;
    }

    /**
     * The model's floats, fetched to the driver once (a Spark job): for the Spark ML API, whose fitted model is a
     * driver-side network; see {@link org.sparkddp.driver.state.StateFetch}.
     */
    public synchronized ModelState model() {
        if (fetchedModel == null) {
            fetchedModel = fetch(modelVersion);
        }
        return fetchedModel;
    }

    /** The floats of one of the run's states ({@link #finalVersion}, {@link #modelVersion}), fetched to the driver. */
    public ModelState fetch(StateVersion state) {
        return states.fetch(state);
    }

    /** Removes the states' blocks from the executors; {@link #model} and {@link #fetch} fail after it. */
    public void release() {
        states.close();
    }

    public List<EpochRecord> epochs() {
        return epochs;
    }

    public List<StageRecord> stages() {
        return stages;
    }

    public HeldOutMetrics test() {
        return test;
    }

    public Optional<ValidationOutcome> validation() {
        return validation;
    }

    /** Iterations done in all, counting those before a resume: where the model is now. */
    public long iterations() {
        return finalVersion.iteration();
    }

    /**
     * Iterations this run did (after a resume, only those since the checkpoint): what the per-iteration figures
     * are over, since this run's stages timed only these.
     */
    public long iterationsRun() {
        return stages.stream().mapToLong(StageRecord::iterations).sum();
    }

    /** Training-stage wall time of this run (evaluation excluded). */
    public long trainNanos() {
        return stages.stream().mapToLong(StageRecord::wallNanos).sum();
    }

    public long computeNanos() {
        return stages.stream().mapToLong(StageRecord::computeNanos).sum();
    }

    public long allReduceNanos() {
        return stages.stream().mapToLong(StageRecord::allReduceNanos).sum();
    }

    public long examples() {
        return stages.stream().mapToLong(StageRecord::totalExamples).sum();
    }

    public double samplesPerSecond() {
        return examples() / (trainNanos() / 1e9);
    }

    public double computeMsPerIteration() {
        return computeNanos() / 1e6 / iterationsRun();
    }

    public double syncMsPerIteration() {
        return (trainNanos() - computeNanos()) / 1e6 / iterationsRun();
    }

    public double allReduceMsPerIteration() {
        return allReduceNanos() / 1e6 / iterationsRun();
    }

    /** Stage submissions beyond the first, over the run: each one repeated a failed stage's iterations. */
    public int stageRetries() {
        return stages.stream().mapToInt(s -> s.attempts() - 1).sum();
    }

    /** Iterations that failed stage attempts had done and their resubmissions did again (a lower bound). */
    public long iterationsRedone() {
        return stages.stream().mapToLong(StageRecord::redoneIterations).sum();
    }

    /** Executors that left during training, in order, with how each left (a crash is a bug to report). */
    /** Every change of the worker count, in order. */
    public List<Resize> resizes() {
        return stages.stream().flatMap(s -> s.resizes().stream()).toList();
    }

    public List<ExecutorLoss> executorLosses() {
        return stages.stream().flatMap(s -> s.executorLosses().stream()).toList();
    }

    /** Wall time lost to failed stage attempts. */
    public long failedAttemptNanos() {
        return stages.stream().mapToLong(StageRecord::failedNanos).sum();
    }

    /** The training loss of the last epoch. */
    public double trainLoss() {
        return epochs.isEmpty() ? Double.NaN : epochs.get(epochs.size() - 1).trainLoss();
    }
}
