package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.OptionalInt;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code validation} section: a validation set evaluated during training, and early stopping on its loss.
 * The test set stays untouched by every choice made here, so its figures remain an honest estimate.
 *
 * @param fraction    the share of the training examples held out for validation; 0 for none (or a file)
 * @param everyEpochs evaluate the validation set after every this many epochs, and after the last
 * @param patience    if set, stop after this many validation evaluations in a row without an improvement, and keep
 *                    the best model
 * @param minDelta    how much lower than the best so far a validation loss must be to count as an improvement
 */
public record ValidationConfig(double fraction, int everyEpochs, OptionalInt patience, double minDelta)
        implements Serializable {
    /** No validation set, no early stopping. */
    public static final ValidationConfig NONE = new ValidationConfig(0, 1, OptionalInt.empty(), 0);

    public ValidationConfig {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new InvalidConfigException("validation.fraction", "must be at least 0 and less than 1 but got "
                    + fraction);
        }
        Checks.positive("validation.every-epochs", everyEpochs);
        patience.ifPresent(p -> Checks.positive("validation.patience", p));
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new InvalidConfigException("validation.min-delta", "must be a finite number >= 0 but got "
                    + minDelta);
        }
    }

    public boolean earlyStopping() {
        return patience.isPresent();
    }

    /**
     * Whether the validation set is evaluated after 0-based epoch {@code epoch}; {@code last} when that epoch ends
     * training (the last one, or the iteration cap).
     */
    public boolean dueAfter(int epoch, boolean last) {
        return last || (epoch + 1) % everyEpochs == 0;
    }

    /**
     * Reads the section and checks it against the data section: the validation set comes from one place, and
     * early stopping needs one.
     */
    static ValidationConfig read(TypedReader r, DataConfig data) {
        ValidationConfig v = new ValidationConfig(r.number("validation.fraction"), r.integer("validation.every-epochs"),
                r.optionalInt("validation.patience"), r.number("validation.min-delta"));
        if (v.fraction() > 0 && data.validation().isPresent()) {
            throw new InvalidConfigException("validation.fraction", "is " + v.fraction() + " but data.validation"
                    + " is set too: take the validation set from one of them");
        }
        if (v.earlyStopping() && v.fraction() == 0 && data.validation().isEmpty()) {
            throw new InvalidConfigException("validation.patience", "needs a validation set: set validation.fraction"
                    + " or data.validation (early stopping never looks at the test set)");
        }
        return v;
    }
}
