package org.sparkddp.driver.train;

/**
 * What ended a stage attempt, as {@link FailureClassifier} reads it from the types in the failure: whether another
 * attempt could succeed, and, when it could not, what the user should change. Runs on the driver.
 */
enum FailureKind {
    /** The SparkContext stopped, or the driver's own thread was interrupted: the command is ending. */
    STOPPED(false, "Spark stopped under the driver", ""),
    /** The driver cancelled the job itself at training.job-timeout ({@link JobDeadline}). */
    DEADLINE(false, "the job outlived training.job-timeout", "raise training.job-timeout"),
    /** Spark's barrier check: the cluster cannot run every task of the stage at once. */
    TOO_FEW_SLOTS(false, "too few task slots", "lower training.workers or add executors"),
    /** A config key, data file or path the user gave is wrong. */
    INVALID_INPUT(false, "bad input", "fix the key or file the message names"),
    /** Heap or native (JavaCPP) memory ran out: thrown, or the executor exited with Spark's OOM code 52. */
    OUT_OF_MEMORY(false, "out of memory", "raise -Dorg.bytedeco.javacpp.maxbytes in spark.executor.extraJavaOptions"
            + " (with spark.executor.memoryOverhead; in local mode, in the driver's JVM options) for ND4J's native"
            + " memory, or spark.executor.memory for the heap, or train a smaller model or training.batch-size"),
    /** A Kryo buffer overflow, or Spark's spark.driver.maxResultSize abort. */
    SERIALIZATION_LIMIT(false, "a serialization limit", "raise spark.kryoserializer.buffer.max (at most 2047m) or"
            + " spark.driver.maxResultSize, or train a smaller model"),
    /** Any other failure that marks itself as one a retry cannot fix. */
    DETERMINISTIC(false, "a failure another attempt would repeat", ""),
    /** An executor was lost: killed, crashed, or silent past the heartbeat timeout. */
    LOST_EXECUTOR(true, "a lost executor", ""),
    /** A ring peer went away or did not answer in time. */
    PEER(true, "a lost peer", ""),
    /** Reading or writing failed. */
    IO(true, "an I/O failure", ""),
    /** Anything else: retried, as a transient fault may be. */
    OTHER(true, "a task failure", "");

    private final boolean retryable;
    private final String description;
    private final String fix;

    FailureKind(boolean retryable, String description, String fix) {
        this.retryable = retryable;
        this.description = description;
        this.fix = fix;
    }

    /** Whether resubmitting the stage from the same state may succeed. */
    boolean retryable() {
        return retryable;
    }

    /** In words, e.g. "out of memory". */
    String description() {
        return description;
    }

    /** What to change so that the next run does not fail the same way; empty when the message itself says. */
    String fix() {
        return fix;
    }
}
