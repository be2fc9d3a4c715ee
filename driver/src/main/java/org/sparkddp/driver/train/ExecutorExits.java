package org.sparkddp.driver.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.sparkddp.common.wire.ExecutorProcess;

/**
 * Records every executor that leaves while a run trains, with the process each one was, so that a resubmitted
 * stage can say which executor went and how. Runs on the driver: removals arrive on the listener-bus thread, the
 * processes from the stage reports on the training loop's.
 */
final class ExecutorExits extends SparkListener {
    private record Exit(String executorId, String reason, long timeMillis) {
    }

    private final List<Exit> exits = new ArrayList<>();
    /** What each executor's tasks last reported of their JVM, by executor id. */
    private final Map<String, ExecutorProcess> processes = new ConcurrentHashMap<>();

    @Override
    public synchronized void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
        exits.add(new Exit(removed.executorId(), removed.reason(), removed.time()));
    }

    /** Notes the JVM a task ran in; called for every stage report. */
    void ran(ExecutorProcess process) {
        processes.put(process.executorId(), process);
    }

    /** The executors that left at or after {@code sinceMillis} (wall-clock time, as Spark stamps its events). */
    synchronized List<ExecutorLoss> since(long sinceMillis) {
        List<ExecutorLoss> losses = new ArrayList<>();
        for (Exit exit : exits) {
            if (exit.timeMillis() >= sinceMillis) {
                Optional<ExecutorProcess> process = Optional.ofNullable(processes.get(exit.executorId()));
                ExecutorLoss loss = new ExecutorLoss(exit.executorId(), process.map(ExecutorProcess::host)
                        .orElse("unknown"), ExecutorLoss.exitCodeIn(exit.reason()), exit.reason(), Optional.empty());
                losses.add(loss.crashed() && process.isPresent()
                        ? new ExecutorLoss(loss.executorId(), loss.host(), loss.exitCode(), loss.reason(),
                        Optional.of(process.get().crashReport())) : loss);
            }
        }
        return losses;
    }
}
