package org.sparkddp.driver.train;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.sparkddp.common.wire.ExecutorProcess;

/**
 * Records every executor that leaves while a run trains, with the process each one was, so that the stage after
 * the loss can say which executor went and how. Runs on the driver: removals arrive on the listener-bus thread,
 * the processes from the stage reports on the training loop's.
 */
final class ExecutorExits extends SparkListener {
    /** Removals not yet handed out, oldest first. */
    private final List<SparkListenerExecutorRemoved> pending = new ArrayList<>();
    /** Every removal posted so far, by executor id and reason. */
    private final Set<String> seen = new HashSet<>();
    /** What each executor's tasks last reported of their JVM, by executor id. */
    private final Map<String, ExecutorProcess> processes = new ConcurrentHashMap<>();

    /**
     * Each removal once. On YARN, Spark's driver is told of a lost executor twice (the application master reports
     * the completed container, and answers the driver's own question about the lost connection) and posts a removal
     * for each, with the same reason: the second is the same loss.
     */
    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        if (seen.add(removed.executorId() + "\n" + removed.reason())) {
            pending.add(removed);
        }
    }

    /** Notes the JVM a task ran in; called for every stage report. */
    void ran(ExecutorProcess process) {
        processes.put(process.executorId(), process);
    }

    /**
     * The executors that left since the last call, each handed out once: a loss between two stages, or during an
     * evaluation, is named with the next stage like one during it.
     */
    synchronized List<ExecutorLoss> takeNew() {
        List<ExecutorLoss> losses = new ArrayList<>();
        for (SparkListenerExecutorRemoved removed : pending) {
            Optional<ExecutorProcess> process = Optional.ofNullable(processes.get(removed.executorId()));
            OptionalInt exitCode = ExecutorLoss.exitCodeIn(removed.reason());
            // Only a crash leaves a fatal error log, and only a JVM that reported where it ran can say where.
            Optional<String> crashReport = ExecutorLoss.crash(exitCode)
                    ? process.map(ExecutorProcess::crashReport) : Optional.empty();
            losses.add(new ExecutorLoss(removed.executorId(), process.map(ExecutorProcess::host).orElse("unknown"),
                    exitCode, removed.reason(), crashReport));
        }
        pending.clear();
        return losses;
    }
}
