package org.sparkddp.driver.train;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.SparkException;
import org.apache.spark.SparkThrowable;
import org.apache.spark.scheduler.BarrierJobSlotsNumberCheckFailed;
import org.sparkddp.common.error.DeterministicFailure;
import org.sparkddp.common.error.InvalidInputException;
import org.sparkddp.common.error.OutOfMemoryFailure;
import org.sparkddp.worker.collective.PeerFailureException;

/**
 * Decides what kind of failure ended a stage attempt from the types in it, never from message text: the driver's
 * own exception and its causes, the failed tasks' exception classes and exit codes ({@link TaskFailures}), and
 * the driver's own state (a stopped context, an interrupted thread, its job deadline). Runs on the driver.
 *
 * <p>The deterministic kinds come first: in a barrier stage one rank's OutOfMemoryError makes its peers fail with
 * {@link PeerFailureException}, and the stage must be classified by the cause, not by the echo.
 */
final class FailureClassifier {
    /** Spark's error class for a Kryo buffer overflow while serializing (a task result, a broadcast). */
    private static final String KRYO_OVERFLOW = "KRYO_BUFFER_OVERFLOW";
    /** What SparkUncaughtExceptionHandler exits an executor with after an OutOfMemoryError (SparkExitCode.OOM). */
    static final int OOM_EXIT_CODE = 52;

    private FailureClassifier() {
    }

    /**
     * What the listener bus showed of one failed attempt.
     *
     * @param taskExceptionClasses the class of each task's exception ({@code ExceptionFailure.className})
     * @param taskExceptions       the exceptions themselves, where Spark could keep them
     * @param lostExecutors        each executor whose loss failed a task, with its exit code where known
     * @param resultSizeExceeded   a task was killed because the results passed spark.driver.maxResultSize
     * @param contextStopped       the SparkContext had stopped by the time the failure was read
     */
    record Evidence(List<String> taskExceptionClasses, List<Throwable> taskExceptions,
                    Map<String, OptionalInt> lostExecutors, boolean resultSizeExceeded, boolean contextStopped) {
        /** Nothing seen: no listener (a unit test of the driver side alone). */
        static final Evidence NONE = new Evidence(List.of(), List.of(), Map.of(), false, false);
    }

    /**
     * What the failure was.
     *
     * @param kind  its kind
     * @param cause the exception that decided it: the task's own where Spark kept it, else the driver's
     */
    record Classified(FailureKind kind, Optional<Throwable> cause) {
    }

    static Classified classify(Throwable failure, Evidence seen, boolean driverInterrupted) {
        if (driverInterrupted || seen.contextStopped() || interruptedOnDriver(failure)) {
            return new Classified(FailureKind.STOPPED, Optional.empty());
        }
        if (inChain(failure, JobTimeoutException.class).isPresent()) {
            return new Classified(FailureKind.DEADLINE, Optional.empty());
        }
        if (inChain(failure, SlotWatch.SlotsLostException.class).isPresent()) {
            return new Classified(FailureKind.LOST_EXECUTOR, Optional.empty());
        }
        if (inChain(failure, BarrierJobSlotsNumberCheckFailed.class).isPresent()) {
            return new Classified(FailureKind.TOO_FEW_SLOTS, Optional.empty());
        }
        for (FailureKind kind : List.of(FailureKind.INVALID_INPUT, FailureKind.OUT_OF_MEMORY,
                FailureKind.SERIALIZATION_LIMIT, FailureKind.DETERMINISTIC, FailureKind.PEER, FailureKind.IO)) {
            Optional<Throwable> cause = find(kind, failure, seen);
            if (cause.isPresent() || found(kind, seen)) {
                return new Classified(kind, cause);
            }
        }
        if (!seen.lostExecutors().isEmpty()) {
            return new Classified(FailureKind.LOST_EXECUTOR, Optional.empty());
        }
        return new Classified(FailureKind.OTHER, Optional.empty());
    }

    /** An exception of {@code kind} in the driver's chain or in a task's kept exception. */
    private static Optional<Throwable> find(FailureKind kind, Throwable failure, Evidence seen) {
        Optional<Throwable> own = matching(kind, failure);
        if (own.isPresent()) {
            return own;
        }
        for (Throwable task : seen.taskExceptions()) {
            Optional<Throwable> t = matching(kind, task);
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }

    /** Evidence of {@code kind} without an exception object: a task's class name, an exit code, a killed result. */
    private static boolean found(FailureKind kind, Evidence seen) {
        return switch (kind) {
            case OUT_OF_MEMORY -> seen.lostExecutors().values().stream()
                    .anyMatch(code -> code.isPresent() && code.getAsInt() == OOM_EXIT_CODE)
                    || anyClass(seen, OutOfMemoryError.class) || anyClass(seen, OutOfMemoryFailure.class);
            case SERIALIZATION_LIMIT -> seen.resultSizeExceeded()
                    || anyClass(seen, com.esotericsoftware.kryo.KryoException.class);
            case INVALID_INPUT -> anyClass(seen, InvalidInputException.class);
            case DETERMINISTIC -> anyClass(seen, DeterministicFailure.class);
            case PEER -> anyClass(seen, PeerFailureException.class);
            case IO -> anyClass(seen, java.io.IOException.class) || anyClass(seen, java.io.UncheckedIOException.class);
            default -> false;
        };
    }

    /** The first exception in {@code top}'s chain that is of {@code kind}. */
    private static Optional<Throwable> matching(FailureKind kind, Throwable top) {
        for (Throwable t = top; t != null; t = t.getCause() == t ? null : t.getCause()) {
            boolean is = switch (kind) {
                case INVALID_INPUT -> t instanceof InvalidInputException;
                case OUT_OF_MEMORY -> t instanceof OutOfMemoryError || t instanceof OutOfMemoryFailure;
                case SERIALIZATION_LIMIT -> t instanceof com.esotericsoftware.kryo.KryoException
                        || t instanceof SparkThrowable st && KRYO_OVERFLOW.equals(st.getErrorClass());
                case DETERMINISTIC -> t instanceof DeterministicFailure;
                case PEER -> t instanceof PeerFailureException;
                case IO -> t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException;
                default -> false;
            };
            if (is) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Whether a failed task's exception class, by name, is {@code type} or a subtype of it. */
    private static boolean anyClass(Evidence seen, Class<?> type) {
        for (String name : seen.taskExceptionClasses()) {
            try {
                if (type.isAssignableFrom(Class.forName(name, false, FailureClassifier.class.getClassLoader()))) {
                    return true;
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // A class only the executors have (a user's): not one of ours, so not evidence of any kind here.
            }
        }
        return false;
    }

    /**
     * The driver's own thread was interrupted while it waited for the job (the command is being stopped): its flag
     * is gone by now, but an InterruptedException above Spark's job failure says so. A task's exceptions come below
     * a SparkException and do not count here.
     */
    private static boolean interruptedOnDriver(Throwable failure) {
        for (Throwable t = failure; t != null && !(t instanceof SparkException); t = t.getCause()) {
            if (t instanceof InterruptedException) {
                return true;
            }
        }
        return false;
    }

    private static <T extends Throwable> Optional<T> inChain(Throwable top, Class<T> type) {
        for (Throwable t = top; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }
}
