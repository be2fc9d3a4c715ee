package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.scheduler.BarrierJobSlotsNumberCheckFailed;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.DeterministicFailure;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.error.OutOfMemoryFailure;
import org.sparkddp.worker.collective.PeerFailureException;

/**
 * Every kind of stage failure, faked as the driver sees it: Spark's job failure (a SparkException whose text names
 * the task's exception but whose cause is absent) together with what the listener bus showed of the tasks. The
 * classifier must decide by the types alone: each fake's message says the opposite of what its types say.
 */
class FailureClassifierTest {
    /** How a failed barrier stage reaches the driver: no cause, the task's exception only as text. */
    private static SparkException jobFailure(String text) {
        return new SparkException("Job aborted due to stage failure: Could not recover from a failed barrier"
                + " ResultStage. Most recent failure reason: " + text);
    }

    private static FailureClassifier.Evidence tasks(String... classes) {
        return new FailureClassifier.Evidence(List.of(classes), List.of(), Map.of(), false, false);
    }

    private static FailureKind kind(Throwable failure, FailureClassifier.Evidence seen) {
        return FailureClassifier.classify(failure, seen, false).kind();
    }

    /** A DeterministicFailure of a kind the classifier has never heard of. */
    static final class StateGone extends RuntimeException implements DeterministicFailure {
        StateGone() {
            super("no executor holds chunk 3 any more");
        }
    }

    @Test
    void taskExceptionClassesDecideWhatTheTextDoesNot() {
        // The text mentions an IOException and "cancelled" each time; only the class names count.
        SparkException failure = jobFailure("java.io.IOException: cancelled");
        assertEquals(FailureKind.OUT_OF_MEMORY, kind(failure, tasks("java.lang.OutOfMemoryError")));
        assertEquals(FailureKind.OUT_OF_MEMORY, kind(failure, tasks(OutOfMemoryFailure.class.getName())));
        assertEquals(FailureKind.SERIALIZATION_LIMIT, kind(failure,
                tasks("com.esotericsoftware.kryo.KryoException")));
        assertEquals(FailureKind.INVALID_INPUT, kind(failure, tasks(InvalidDataException.class.getName())));
        assertEquals(FailureKind.DETERMINISTIC, kind(failure, tasks(StateGone.class.getName())));
        assertEquals(FailureKind.PEER, kind(failure, tasks(PeerFailureException.class.getName())));
        assertEquals(FailureKind.IO, kind(failure, tasks("java.net.SocketTimeoutException")));
        assertEquals(FailureKind.OTHER, kind(failure, tasks("java.lang.IllegalStateException")));
        assertEquals(FailureKind.OTHER, kind(failure, tasks("com.example.OnlyOnTheExecutors")));
    }

    @Test
    void theCauseWinsOverItsEchoesOnThePeers() {
        // Rank 1 ran out of memory; ranks 0 and 2 lost their ring peer because of it.
        FailureClassifier.Evidence seen = tasks(PeerFailureException.class.getName(),
                "java.lang.OutOfMemoryError", PeerFailureException.class.getName());
        assertEquals(FailureKind.OUT_OF_MEMORY, kind(jobFailure("peer gone"), seen));
    }

    @Test
    void keptTaskExceptionsAndTheDriversChainAreReadByType() {
        SparkException kryo = new SparkException("Kryo serialization failed: Buffer overflow",
                new com.esotericsoftware.kryo.KryoException("Buffer overflow. Available: 0, required: 4"));
        FailureClassifier.Evidence kept = new FailureClassifier.Evidence(List.of("org.apache.spark.SparkException"),
                List.of(kryo), Map.of(), false, false);
        assertEquals(FailureKind.SERIALIZATION_LIMIT, kind(jobFailure("x"), kept));
        // Thrown on the driver (a broadcast too large for the buffer): the driver's own chain.
        assertEquals(FailureKind.SERIALIZATION_LIMIT, kind(kryo, FailureClassifier.Evidence.NONE));
        assertEquals(FailureKind.OUT_OF_MEMORY, kind(new RuntimeException(new OutOfMemoryError("Java heap space")),
                FailureClassifier.Evidence.NONE));
        assertEquals(FailureKind.IO, kind(new java.io.UncheckedIOException(new IOException("disk")),
                FailureClassifier.Evidence.NONE));
    }

    @Test
    void anExecutorThatExitedWithSparksOutOfMemoryCodeIsOutOfMemoryOtherExitsAreLosses() {
        FailureClassifier.Evidence oom = new FailureClassifier.Evidence(List.of(), List.of(),
                Map.of("3", OptionalInt.of(52)), false, false);
        assertEquals(FailureKind.OUT_OF_MEMORY, kind(jobFailure("ExecutorLostFailure"), oom));
        for (OptionalInt code : List.of(OptionalInt.of(137), OptionalInt.of(134), OptionalInt.empty())) {
            FailureClassifier.Evidence lost = new FailureClassifier.Evidence(List.of(), List.of(),
                    Map.of("3", code), false, false);
            assertEquals(FailureKind.LOST_EXECUTOR, kind(jobFailure("OutOfMemoryError"), lost), code.toString());
        }
    }

    @Test
    void theMaxResultSizeKillIsASerializationLimit() {
        FailureClassifier.Evidence killed = new FailureClassifier.Evidence(List.of(), List.of(), Map.of(), true,
                false);
        assertEquals(FailureKind.SERIALIZATION_LIMIT, kind(jobFailure("x"), killed));
    }

    @Test
    void theDriversOwnStateDecidesStopsDeadlinesAndSlots() {
        FailureClassifier.Evidence stopped = new FailureClassifier.Evidence(List.of("java.io.IOException"),
                List.of(), Map.of(), false, true);
        assertEquals(FailureKind.STOPPED, kind(jobFailure("x"), stopped));
        assertEquals(FailureKind.STOPPED, FailureClassifier.classify(jobFailure("x"), tasks("java.io.IOException"),
                true).kind());
        JobTimeoutException timeout = new JobTimeoutException("epoch 1", Duration.ofSeconds(5), jobFailure("x"));
        assertEquals(FailureKind.DEADLINE, kind(timeout, tasks("java.io.IOException")));
        // The text alone ("cancelled", "SparkContext was shut down") no longer decides anything.
        assertEquals(FailureKind.OTHER, kind(jobFailure("Job 3 cancelled because SparkContext was shut down"),
                FailureClassifier.Evidence.NONE));
        assertEquals(FailureKind.TOO_FEW_SLOTS, kind(new SparkException("x", new BarrierJobSlotsNumberCheckFailed(4,
                2)), FailureClassifier.Evidence.NONE));
        assertEquals(FailureKind.OTHER, kind(jobFailure("[SPARK-24819]: Barrier execution mode"),
                FailureClassifier.Evidence.NONE));
    }

    @Test
    void onlyTheTransientKindsAreRetryable() {
        for (FailureKind kind : FailureKind.values()) {
            boolean transient_ = List.of(FailureKind.LOST_EXECUTOR, FailureKind.PEER, FailureKind.IO,
                    FailureKind.OTHER).contains(kind);
            assertEquals(transient_, kind.retryable(), kind.name());
        }
    }

    /** A witness that shows the same evidence after every failure, and counts the attempts it saw begin. */
    private static StageAttempts.Witness showing(FailureClassifier.Evidence seen, AtomicInteger begun) {
        return new StageAttempts.Witness() {
            @Override
            public void beginAttempt() {
                begun.incrementAndGet();
            }

            @Override
            public FailureClassifier.Evidence afterFailure() {
                return seen;
            }
        };
    }

    @Test
    void aTaskOutOfMemoryEndsTheStageOnItsFirstAttemptWithTheSettingToRaise() {
        AtomicInteger begun = new AtomicInteger();
        StageFailedException e = assertThrows(StageFailedException.class, () -> Attempts.run(4, 2, "epoch 1",
                () -> {
                    throw sneaky(jobFailure("java.lang.OutOfMemoryError: Cannot allocate new FloatPointer(100000000)"));
                }, showing(tasks("java.lang.OutOfMemoryError"), begun)));
        assertEquals(1, begun.get());
        assertTrue(e.getMessage().startsWith("stage epoch 1 failed on attempt 1 of 4 and cannot be resubmitted: not"
                + " retried, out of memory fails the same way on every attempt: "), e.getMessage());
        assertTrue(e.getMessage().contains("org.bytedeco.javacpp.maxbytes"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void aKeptTaskBadInputEndsTheRunAsItself() {
        InvalidDataException bad = new InvalidDataException("hdfs:///d/train.csv", "line 3: 2 columns, expected 5");
        AtomicInteger begun = new AtomicInteger();
        InvalidDataException thrown = assertThrows(InvalidDataException.class, () -> Attempts.run(4, 2,
                "epoch 1", () -> {
                    throw sneaky(jobFailure("x"));
                }, showing(new FailureClassifier.Evidence(List.of(bad.getClass().getName()), List.of(bad), Map.of(),
                        false, false), begun)));
        assertSame(bad, thrown);
        assertEquals(1, begun.get());
    }

    @Test
    void lostExecutorsPeersAndIoAreRetried() {
        for (FailureClassifier.Evidence seen : List.of(tasks(PeerFailureException.class.getName()),
                tasks("java.net.ConnectException"), new FailureClassifier.Evidence(List.of(), List.of(),
                        Map.of("1", OptionalInt.of(137)), false, false))) {
            AtomicInteger calls = new AtomicInteger();
            AtomicInteger begun = new AtomicInteger();
            StageAttempts.Outcome<String> outcome = Attempts.run(3, 2, "epoch 1", () -> {
                if (calls.incrementAndGet() == 1) {
                    throw sneaky(jobFailure("java.lang.OutOfMemoryError")); // the text says otherwise: it does not count
                }
                return "done";
            }, showing(seen, begun));
            assertEquals(2, outcome.attempts(), seen.toString());
            assertEquals(2, begun.get());
        }
    }

    @Test
    void aDeadlineIsRethrownAsItIs() {
        JobTimeoutException timeout = new JobTimeoutException("epoch 1", Duration.ofSeconds(5), jobFailure("x"));
        AtomicInteger calls = new AtomicInteger();
        assertSame(timeout, assertThrows(JobTimeoutException.class, () -> Attempts.run(3, 2, "epoch 1", () -> {
            calls.incrementAndGet();
            throw timeout;
        }, StageAttempts.Witness.NONE)));
        assertEquals(1, calls.get());
        assertFalse(FailureKind.DEADLINE.retryable());
    }

    /** As Spark does: a checked exception thrown where none is declared. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
