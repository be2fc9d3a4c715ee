package org.sparkddp.driver.spark;

/**
 * The training run's latest figures, as the metrics gauges read them ({@link TrainingMetricsPlugin}). Runs on the
 * driver: the training loop publishes a new value once per stage (and the heartbeat listener once per heartbeat);
 * a metrics sink reads it whenever it polls, from its own thread. One immutable value behind a volatile field, so
 * a reader sees one stage's figures, never a mix, and the training loop pays one volatile write.
 *
 * <p>One per JVM: the run in progress, or the last one (a search's trials run one after another). Every figure is
 * one the driver already has from the stage's reports: nothing here grows with the data or the model.
 *
 * @param runId            the run's id, or "" before any run
 * @param iteration        global iterations done
 * @param epoch            the epoch training is in, from 1; 0 before the first stage
 * @param loss             the global mean training loss of the last iteration reported; NaN before the first
 * @param samplesPerSecond the last stage's examples over its wall time on the driver
 * @param computeMs        the last stage's per-rank mean compute time per iteration, in milliseconds
 * @param syncMs           the same for the exchange between the ranks (the all-reduce, waits included)
 * @param workers          the workers the last stage ran on
 * @param retries          stage resubmissions since the run started (attempts after a failed one)
 * @param stages           training stages the run has finished
 */
public record RunFigures(String runId, long iteration, int epoch, double loss, double samplesPerSecond,
                         double computeMs, double syncMs, int workers, long retries, long stages) {
    /** Before any run. */
    public static final RunFigures NONE = new RunFigures("", 0, 0, Double.NaN, 0, 0, 0, 0, 0, 0);

    private static volatile RunFigures current = NONE;

    /** The figures now; never null. */
    public static RunFigures current() {
        return current;
    }

    public static void publish(RunFigures figures) {
        current = java.util.Objects.requireNonNull(figures, "figures");
    }
}
