package org.sparkddp.driver.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskKilled;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * Records how the tasks of one stage attempt failed, so that {@link FailureClassifier} can tell a deterministic
 * failure from a transient one by its types. Needed because a failed barrier stage reaches the driver as a
 * SparkException that carries the task's exception only as text; the listener bus has it as a type: the
 * {@link ExceptionFailure}'s class name (and the exception itself, when Spark could keep it), each
 * {@link ExecutorLostFailure}, and each executor's removal with its exit code.
 *
 * <p>Runs on the driver: events arrive on the listener-bus thread, and the training loop reads them once an attempt
 * has failed, after waiting (bounded) for the bus to deliver what it still holds.
 */
final class TaskFailures extends SparkListener implements StageAttempts.Witness, AutoCloseable {
    /** Longest wait for the listener bus to deliver the failed attempt's events. */
    private static final long DRAIN_MILLIS = 10_000;
    /**
     * Longest wait, after the bus drained, for the attempt's tasks to end (a task's failure can reach the scheduler
     * after another task's has failed the job already) and for the lost executors' removals, which carry their exit
     * codes.
     */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(10);
    /**
     * NOTE: Spark's TaskResultGetter kills a task whose result would pass spark.driver.maxResultSize with this
     * fixed reason, a constant of Spark's rather than a message about the failure, and aborts the stage.
     */
    static final String RESULT_SIZE_KILL = "Tasks result size has exceeded maxResultSize";

    private final SparkContext sc;
    /** Stages submitted since the attempt began: only their tasks count. */
    private final Set<Integer> stages = new HashSet<>();
    private final List<String> exceptionClasses = new ArrayList<>();
    private final List<Throwable> exceptions = new ArrayList<>();
    private final Set<String> lostExecutors = new HashSet<>();
    private final Map<String, OptionalInt> removals = new HashMap<>();
    private boolean resultSizeExceeded;
    /** Tasks of the attempt's stages that started and have not ended. */
    private int running;

    private TaskFailures(SparkContext sc) {
        this.sc = sc;
    }

    /** Listens on {@code sc} until closed. */
    static TaskFailures watch(SparkContext sc) {
        TaskFailures failures = new TaskFailures(sc);
        sc.addSparkListener(failures);
        return failures;
    }

    /** Forgets the previous attempt: called before each submission. */
    @Override
    public synchronized void beginAttempt() {
        stages.clear();
        exceptionClasses.clear();
        exceptions.clear();
        lostExecutors.clear();
        removals.clear();
        resultSizeExceeded = false;
        running = 0;
    }

    @Override
    public synchronized void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        stages.add(submitted.stageInfo().stageId());
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart start) {
        if (stages.contains(start.stageId())) {
            running++;
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        if (!stages.contains(end.stageId())) {
            return;
        }
        running--;
        notifyAll();
        TaskEndReason reason = end.reason();
        if (reason instanceof ExceptionFailure failure) {
            exceptionClasses.add(failure.className());
            if (failure.exception().isDefined()) {
                exceptions.add(failure.exception().get());
            }
        } else if (reason instanceof ExecutorLostFailure lost) {
            lostExecutors.add(lost.execId());
        } else if (reason instanceof TaskKilled killed && RESULT_SIZE_KILL.equals(killed.reason())) {
            resultSizeExceeded = true;
        }
    }

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        removals.put(removed.executorId(), ExecutorLoss.exitCodeIn(removed.reason()));
        notifyAll();
    }

    /**
     * What the failed attempt's tasks came to. Waits for the listener bus to deliver its events (at most
     * {@value #DRAIN_MILLIS} ms), then for every task of the attempt to have ended and for the lost executors' exit
     * codes (at most 10 s): the task that failed first may be reported last, and an executor that died of
     * OutOfMemoryError exits with 52, which only its removal says.
     */
    @Override
    public FailureClassifier.Evidence afterFailure() throws InterruptedException {
        if (sc.isStopped()) { // the command is ending: nothing more will arrive, and nothing is retried
            return new FailureClassifier.Evidence(List.of(), List.of(), Map.of(), false, true);
        }
        try {
            sc.listenerBus().waitUntilEmpty(DRAIN_MILLIS);
        } catch (java.util.concurrent.TimeoutException e) {
            // Classified from what arrived: at worst a deterministic failure is retried once more, as before.
        }
        synchronized (this) {
            long deadline = System.nanoTime() + SETTLE_NANOS;
            while ((running > 0 || !removals.keySet().containsAll(lostExecutors)) && !sc.isStopped()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            Map<String, OptionalInt> lost = new LinkedHashMap<>();
            lostExecutors.forEach(id -> lost.put(id, removals.getOrDefault(id, OptionalInt.empty())));
            return new FailureClassifier.Evidence(List.copyOf(exceptionClasses), List.copyOf(exceptions), lost,
                    resultSizeExceeded, sc.isStopped());
        }
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}
