package org.sparkddp.driver.train;

import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.error.InvalidInputException;

/**
 * Resubmits a training stage whose tasks failed. Runs on the driver.
 *
 * <p>NOTE: Spark 3.5 retries a failed barrier stage only when it is a shuffle-map stage; a failed barrier
 * <em>result</em> stage, which a training stage is, aborts the job ("Could not recover from a failed barrier
 * ResultStage"). A training stage is a pure function of the state it starts from (kept on the executors until a
 * stage from it succeeds) and its spec, so resubmitting the same job repeats exactly the same iterations: no
 * iteration is lost and none is applied twice.
 *
 * <p>A failure that would happen again on the same state is not retried: bad input, running out of memory, a
 * serialization limit, any {@link org.sparkddp.common.error.DeterministicFailure}, the driver's own deadline or stop.
 * {@link FailureClassifier} tells them from lost executors, lost peers and I/O failures by their types, which
 * {@link TaskFailures} reads off the listener bus; the run then ends at once with one line that says which kind
 * of failure it was and what to change.
 */
final class StageAttempts {
    private static final Logger LOG = LoggerFactory.getLogger(StageAttempts.class);

    private StageAttempts() {
    }

    /**
     * What a stage's attempts came to.
     *
     * @param result           the successful attempt's result
     * @param attempts         submissions, the successful one included
     * @param redoneIterations iterations that failed attempts had completed, and the next attempt did again: a
     *                         lower bound, from the progress the last heartbeat before each failure carried
     * @param failedNanos      wall time the failed attempts took, from submission to failure
     */
    record Outcome<T>(T result, int attempts, long redoneIterations, long failedNanos) {
    }

    /**
     * Runs a stage whose worker count {@code sizing} decides before each attempt: the job gets the count. A failure
     * is classified by the types the SparkContext's listener bus shows ({@link TaskFailures}): the active context,
     * the one the job runs on, is the only one a driver has.
     *
     * @param epoch the stage's 0-based epoch, for the resizes' record
     */
    static <T> Outcome<T> run(int maxAttempts, WorkerSizing sizing, String what, long firstIteration, int epoch,
                              LongSupplier reached, IntFunction<T> job) {
        scala.Option<org.apache.spark.SparkContext> active = org.apache.spark.SparkContext$.MODULE$.getActive();
        if (active.isEmpty()) {
            return attempt(maxAttempts, sizing, what, firstIteration, epoch, reached, job, System::nanoTime,
                    Witness.NONE);
        }
        try (TaskFailures failures = TaskFailures.watch(active.get())) {
            return attempt(maxAttempts, sizing, what, firstIteration, epoch, reached, job, System::nanoTime,
                    failures);
        }
    }

    /** Where a failed attempt's task-side evidence comes from: {@link TaskFailures} on a live context. */
    interface Witness {
        Witness NONE = new Witness() {
            @Override
            public void beginAttempt() {
            }

            @Override
            public FailureClassifier.Evidence afterFailure() {
                return FailureClassifier.Evidence.NONE;
            }
        };

        void beginAttempt();

        FailureClassifier.Evidence afterFailure() throws InterruptedException;
    }

    /**
     * The attempts themselves, timed with {@code nanoClock} ({@code System::nanoTime} on the driver; the unit tests
     * pass a clock they advance, to check {@link Outcome#failedNanos} exactly) and classified with what
     * {@code witness} saw of each failed attempt.
     *
     * @param firstIteration the stage's first global iteration
     * @param reached        global iterations completed so far, as the executors' heartbeats last reported
     */
    static <T> Outcome<T> attempt(int maxAttempts, WorkerSizing sizing, String what, long firstIteration, int epoch,
                                  LongSupplier reached, IntFunction<T> job, LongSupplier nanoClock, Witness witness) {
        long redone = 0;
        long failedNanos = 0;
        int workers = sizing.beforeStage(firstIteration, epoch);
        for (int attempt = 1; ; attempt++) {
            long start = nanoClock.getAsLong();
            long reachedBefore = reached.getAsLong();
            witness.beginAttempt();
            try {
                return new Outcome<>(job.apply(workers), attempt, redone, failedNanos);
            } catch (Exception e) { // Spark throws SparkException, a checked exception, without declaring it
                // Heartbeats report only progress beyond the furthest seen, so a repeat attempt's progress shows
                // only once it passes the earlier attempt's; until then, the certain lower bound is 0.
                long now = reached.getAsLong();
                long lost = attempt == 1 || now > reachedBefore ? Math.max(0, now - firstIteration) : 0;
                redone += lost;
                long took = nanoClock.getAsLong() - start;
                failedNanos += took;
                FailureClassifier.Classified failure = classify(e, witness);
                // An elastic run sizes the next attempt to the slots there are (below); a fixed one cannot.
                boolean fixedCount = !sizing.elastic();
                boolean tooFewSlots = failure.kind() == FailureKind.TOO_FEW_SLOTS;
                if (fixedCount && tooFewSlots && attempt > 1) {
                    // The stage ran before: executors were lost (or hang) and were not replaced within Spark's wait.
                    throw new StageFailedException(what, attempt, maxAttempts, "after the earlier failure, the"
                            + " cluster no longer has " + workers + " free task slots (lost or hung executors were not"
                            + " replaced within Spark's barrier slot-check wait)", e);
                }
                if (fixedCount && tooFewSlots) {
                    // Spark already waited for executors (spark.scheduler.barrier.maxConcurrentTasksCheck.*):
                    // another attempt would only wait again.
                    throw new InvalidConfigException("training.workers", "is " + workers + " but the cluster cannot"
                            + " run that many tasks at once; lower training.workers, or give the job more executors (an"
                            + " executor needs spark.executor.cores free cores on one worker, so spark.executor.cores"
                            + " above a worker's cores starts none)");
                }
                if (!tooFewSlots && !failure.kind().retryable()) {
                    throw notRetried(what, attempt, maxAttempts, failure, e);
                }
                if (attempt >= maxAttempts) {
                    throw new StageFailedException(what, attempt, maxAttempts, rootCause(e), e);
                }
                LOG.warn("stage {} failed on attempt {} of {} after {} s and at least {} iterations ({}: {});"
                        + " resubmitting it from the same state", what, attempt, maxAttempts,
                        String.format(java.util.Locale.ROOT, "%.1f", took / 1e9), lost, failure.kind().description(),
                        rootCause(e));
                try {
                    workers = sizing.afterFailure(firstIteration, epoch);
                } catch (WorkerSizing.WorkersUnavailableException unavailable) {
                    throw new StageFailedException(what, attempt, maxAttempts, unavailable.getMessage(), e);
                }
            }
        }
    }

    private static FailureClassifier.Classified classify(Exception failure, Witness witness) {
        boolean interrupted = Thread.currentThread().isInterrupted();
        FailureClassifier.Evidence seen = FailureClassifier.Evidence.NONE;
        if (!interrupted) {
            try {
                seen = witness.afterFailure();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                interrupted = true;
            }
        }
        return FailureClassifier.classify(failure, seen, interrupted);
    }

    /**
     * The failure that ends the run at once: bad input as itself (the command line prints its line and exits 2), the
     * driver's own stop or deadline as it was thrown, and the rest as one line that says which kind of failure it
     * was, that another attempt would repeat it, and what to change.
     */
    private static RuntimeException notRetried(String what, int attempt, int maxAttempts,
                                               FailureClassifier.Classified failure, Exception e) {
        FailureKind kind = failure.kind();
        if (kind == FailureKind.INVALID_INPUT && failure.cause().orElse(null) instanceof InvalidInputException bad) {
            return bad;
        }
        if ((kind == FailureKind.STOPPED || kind == FailureKind.DEADLINE) && e instanceof RuntimeException runtime) {
            return runtime;
        }
        if (kind == FailureKind.STOPPED || kind == FailureKind.DEADLINE) {
            return new StageFailedException(what, attempt, maxAttempts, rootCause(e), e);
        }
        String line = failure.cause().map(StageAttempts::oneLine).orElseGet(() -> rootCause(e));
        return new StageFailedException(what, attempt, maxAttempts, "not retried, " + kind.description()
                + " fails the same way on every attempt: " + line + (kind.fix().isEmpty() ? "" : "; " + kind.fix()), e);
    }

    /** An exception's class and the first line of its message. */
    private static String oneLine(Throwable t) {
        String message = String.valueOf(t.getMessage()).lines().findFirst().orElse("");
        return t.getClass().getName() + ": " + message;
    }

    /**
     * The failing task's own exception, one line: Spark's job failure carries it in its message, under a line
     * about the stage, so that line is passed over when a task's exception follows it.
     */
    static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = String.valueOf(root.getMessage());
        return message.lines().filter(l -> TASK_EXCEPTION.matcher(l).lookingAt()).findFirst()
                .orElse(root.getClass().getSimpleName() + ": " + message.lines().findFirst().orElse(""));
    }

    private static final java.util.regex.Pattern TASK_EXCEPTION =
            java.util.regex.Pattern.compile("[a-zA-Z_$][\\w.$]*(Exception|Error)(: |$)");
}
