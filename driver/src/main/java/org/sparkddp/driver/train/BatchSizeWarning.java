package org.sparkddp.driver.train;

import java.util.Locale;
import java.util.Optional;

/**
 * The warning for a global batch larger than the training set: each epoch is then one iteration on every example,
 * which the config rarely means (a batch size written for the full data set, run on a sample). Not an error: such a
 * run is full-batch gradient descent, and it trains. Runs on the driver, before Spark starts.
 */
public final class BatchSizeWarning {
    private BatchSizeWarning() {
    }

    /**
     * @param batchSize training.batch-size, the global batch
     * @param examples  the examples trained on (after any validation hold-out)
     */
    public static Optional<String> of(int batchSize, long examples) {
        if (batchSize <= examples) {
            return Optional.empty();
        }
        return Optional.of(String.format(Locale.ROOT, "warning: training.batch-size = %,d is more than the %,d"
                + " training examples, so each epoch is one iteration on all of them; set a smaller batch for more"
                + " steps per epoch", batchSize, examples));
    }
}
