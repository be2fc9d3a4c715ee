package org.sparkddp.it;

import java.util.concurrent.atomic.LongAdder;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * The task result bytes the driver received, for a command run in this JVM with
 * {@code --set spark.extraListeners=org.sparkddp.it.ResultBytesProbe}: what {@code summary.json}'s
 * {@code driver_result_bytes} reports for train, for commands that write no summary. Runs on the driver; Spark
 * delivers every event before its context stops.
 */
public final class ResultBytesProbe extends SparkListener {
    static final LongAdder BYTES = new LongAdder();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        if (end.taskMetrics() != null) {
            BYTES.add(end.taskMetrics().resultSize());
        }
    }
}
