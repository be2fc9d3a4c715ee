package org.sparkddp.driver.train;

import java.util.List;
import java.util.Optional;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.wire.ModelState;

/**
 * The outcome of a training run.
 *
 * @param finalState   parameters and updater state after the last iteration
 * @param epochs       per-epoch figures, in order
 * @param stages       per-stage figures, in order
 * @param model        the state to save: the final one, or under early stopping the best one
 * @param test         test-set metrics of {@code model}
 * @param validation   what the validation set decided, if there was one
 */
public record TrainingResult(ModelState finalState, List<EpochRecord> epochs, List<StageRecord> stages,
                             ModelState model, HeldOutMetrics test, Optional<ValidationOutcome> validation) {

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

    /** Without a validation set: the final state is the model. */
    public TrainingResult(ModelState finalState, List<EpochRecord> epochs, List<StageRecord> stages,
                          HeldOutMetrics test) {
        this(finalState, epochs, stages, finalState, test, Optional.empty());
    }

    /** Iterations done in all, counting those before a resume: where the model is now. */
    public long iterations() {
        return finalState.iteration();
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
