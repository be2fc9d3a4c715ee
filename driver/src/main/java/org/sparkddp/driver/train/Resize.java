package org.sparkddp.driver.train;

import java.util.Locale;

/**
 * One change of the number of workers during a run, decided on the driver between stage attempts
 * ({@link WorkerSizing}).
 *
 * @param iteration the global iteration the first stage on the new count starts at
 * @param epoch     that stage's 0-based epoch
 * @param from      workers before
 * @param to        workers after
 * @param reason    why
 * @param waitNanos how long the driver waited for task slots before deciding
 */
public record Resize(long iteration, int epoch, int from, int to, Reason reason, long waitNanos) {
    /** Why the count changed. */
    public enum Reason {
        /** Executors were lost and not replaced within training.replacement-wait. */
        LOST("executors lost and not replaced within training.replacement-wait"),
        /** The cluster had fewer slots than training.workers when training started. */
        START("fewer task slots than training.workers when training started"),
        /** New executors registered. */
        GROWN("new executors registered");

        private final String words;

        Reason(String words) {
            this.words = words;
        }

        /** For summary.json: "lost", "start", "grown". */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One line for the console. */
    public String describe() {
        return String.format(Locale.ROOT, "workers %d -> %d from iteration %d (epoch %d): %s%s", from, to, iteration,
                epoch + 1, reason.words,
                waitNanos > 0 ? String.format(Locale.ROOT, " (waited %.1f s for slots)", waitNanos / 1e9) : "");
    }
}
