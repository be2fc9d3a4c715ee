package org.sparkddp.driver.train;

/** A non-finite loss or gradient stopped training; nothing was saved from the diverged state. */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long iteration;

    public TrainingDivergedException(long iteration, int epoch) {
        super("training diverged: the loss or gradient of iteration " + iteration + " (epoch " + (epoch + 1)
                + ") is not finite; no model was written (try a lower optimizer.learning-rate)");
        this.iteration = iteration;
    }

    public long iteration() {
        return iteration;
    }
}
