package org.sparkddp.driver.train;

import java.util.List;
import java.util.function.IntSupplier;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;

/**
 * Tells the training listeners of an executor that registers while the run trains and gives the cluster more task
 * slots than the run has workers: the slots an elastic run grows onto at its next stage, or that a fixed run leaves
 * idle. The run's own executors registering at its start are not told (the slots do not pass the workers then).
 * Runs on the driver's listener-bus thread; Spark counts the new executor's slots before it posts the event.
 */
final class ExecutorJoins extends SparkListener {
    private final IntSupplier slots;
    private final IntSupplier workers;
    private final List<TrainingListener> listeners;

    /**
     * @param slots   the task slots the cluster has now ({@link org.sparkddp.driver.spark.ClusterSlots#now})
     * @param workers the run's current worker count
     */
    ExecutorJoins(IntSupplier slots, IntSupplier workers, List<TrainingListener> listeners) {
        this.slots = slots;
        this.workers = workers;
        this.listeners = listeners;
    }

    @Override
    public void onExecutorAdded(SparkListenerExecutorAdded added) {
        int now;
        try {
            now = slots.getAsInt();
        } catch (IllegalStateException stopped) {
            return; // Spark is shutting down: nobody will train on the new slots
        }
        int current = workers.getAsInt();
        if (now > current) {
            String host = added.executorInfo().executorHost();
            listeners.forEach(l -> l.onExecutorJoined(added.executorId(), host, now, current));
        }
    }
}
