package org.sparkddp.driver.train;

import java.util.List;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.sparkddp.worker.stage.ProgressAccumulator;
import scala.Tuple4;
import scala.collection.JavaConverters;

/**
 * Reads the progress accumulator out of executor heartbeats and hands each new tick to the training listeners.
 * Runs on the driver's listener-bus thread, so a slow listener never delays training.
 */
final class HeartbeatProgress extends SparkListener {
    private final long accumulatorId;
    private final List<TrainingListener> listeners;
    private final int iterationsPerEpoch;
    private final int epochs;
    /** Written on the listener-bus thread, read by the training loop when a stage fails. */
    private volatile long lastIteration = -1;

    HeartbeatProgress(long accumulatorId, List<TrainingListener> listeners, int iterationsPerEpoch, int epochs) {
        this.accumulatorId = accumulatorId;
        this.listeners = listeners;
        this.iterationsPerEpoch = iterationsPerEpoch;
        this.epochs = epochs;
    }

    /** The furthest global iteration any heartbeat has reported, or -1 before the first. */
    long reached() {
        return lastIteration;
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        for (Tuple4<Object, Object, Object, scala.collection.Seq<AccumulableInfo>> task
                : JavaConverters.seqAsJavaList(update.accumUpdates())) {
            for (AccumulableInfo info : JavaConverters.seqAsJavaList(task._4())) {
                if (info.id() == accumulatorId && info.update().isDefined()
                        && info.update().get() instanceof ProgressAccumulator.Tick tick && tick.iteration() > lastIteration) {
                    lastIteration = tick.iteration();
                    listeners.forEach(l -> l.onProgress(tick, iterationsPerEpoch, epochs));
                }
            }
        }
    }
}
