package org.sparkddp.driver.train;

import java.util.Optional;
import org.sparkddp.common.config.ValidationConfig;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.wire.StateVersion;

/**
 * Early stopping on the validation loss (Prechelt, "Early stopping, but when?", 1998): remembers the best
 * evaluation and its state, and says stop after {@code validation.patience} evaluations in a row that did not
 * beat the best by more than {@code validation.min-delta}. Runs on the driver, between epochs; it keeps the best
 * state's name, whose chunks the training master keeps on the executors.
 */
final class EarlyStopping {
    private final ValidationConfig config;
    private Best best;
    private int sinceBest;

    /**
     * The best evaluation so far.
     *
     * @param epoch      0-based epoch after which it was taken
     * @param validation its validation metrics
     * @param state      the state evaluated
     * @param test       the test metrics of that state
     */
    record Best(int epoch, HeldOutMetrics validation, StateVersion state, HeldOutMetrics test) {
        double loss() {
            return validation.meanLoss();
        }
    }

    EarlyStopping(ValidationConfig config) {
        this.config = config;
    }

    /** Records one validation evaluation, in epoch order. */
    void observe(int epoch, HeldOutMetrics validation, StateVersion state, HeldOutMetrics test) {
        double loss = validation.meanLoss();
        // A NaN loss never improves: it compares false with everything.
        if (best == null ? !Double.isNaN(loss) : loss < best.loss() - config.minDelta()) {
            best = new Best(epoch, validation, state, test);
            sinceBest = 0;
        } else {
            sinceBest++;
        }
    }

    /** Whether early stopping is on and its patience is used up: training stops now. */
    boolean exhausted() {
        return config.earlyStopping() && sinceBest >= config.patience().getAsInt();
    }

    Optional<Best> best() {
        return Optional.ofNullable(best);
    }

    /** What a checkpoint keeps of this, so that a resumed run continues it ({@link #restore}). */
    Optional<EarlyStoppingState> snapshot() {
        return best().map(b -> new EarlyStoppingState(b.epoch(), b.loss(), sinceBest, b.state()));
    }

    /**
     * Continues from a checkpoint's snapshot.
     *
     * @param bestState  its best state, as the executors now hold it
     * @param validation the validation metrics of its best state, evaluated again
     * @param test       the test metrics of its best state, evaluated again
     */
    void restore(EarlyStoppingState saved, StateVersion bestState, HeldOutMetrics validation, HeldOutMetrics test) {
        best = new Best(saved.bestEpoch(), validation, bestState, test);
        sinceBest = saved.sinceBest();
    }
}
