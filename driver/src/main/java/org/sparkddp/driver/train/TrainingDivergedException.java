package org.sparkddp.driver.train;

/** A non-finite loss or gradient stopped training; nothing was saved from the diverged state. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long iteration;

    /** @param lastCheckpoint the newest checkpoint of the run, if any: where to resume from */
    public TrainingDivergedException(long iteration, int epoch, java.util.Optional<String> lastCheckpoint) {
        super("training diverged: the loss or gradient of iteration " + iteration + " (epoch " + (epoch + 1)
                + ") is not finite; no model was written; " + lastCheckpoint.map(c -> "the last good checkpoint is " + c)
                .orElse("no checkpoint was written (set checkpoint.dir to keep some)") + " (try a lower"
                + " optimizer.learning-rate)");
        this.iteration = iteration;
    }

    public long iteration() {
        return iteration;
    }
}
