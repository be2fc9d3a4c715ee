package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.Success$;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.junit.jupiter.api.Test;

/** The listener alone, fed the events Spark would post on the driver. */
class DriverResultBytesTest {
    private static SparkListenerTaskEnd ended(int stage, long taskId, TaskMetrics metrics) {
        TaskInfo info = new TaskInfo(taskId, (int) taskId, 0, (int) taskId, 0L, "1", "localhost",
                TaskLocality.PROCESS_LOCAL(), false);
        return new SparkListenerTaskEnd(stage, 0, "ResultTask", Success$.MODULE$, info, new ExecutorMetrics(),
                metrics);
    }

    private static TaskMetrics resultOf(long bytes) {
        TaskMetrics metrics = TaskMetrics.empty();
        metrics.setResultSize(bytes);
        return metrics;
    }

    @Test
    void sumsTheResultBytesOfEveryTaskOfEveryStage() {
        DriverResultBytes received = new DriverResultBytes(null);
        assertEquals(0, received.total());
        received.onTaskEnd(ended(0, 1, resultOf(1_500)));
        received.onTaskEnd(ended(0, 2, resultOf(2_500)));
        received.onTaskEnd(ended(7, 3, resultOf(3L << 31))); // a result fetched from a block manager, over 2^31
        // A task that failed before sending anything has no metrics: it adds nothing.
        received.onTaskEnd(ended(7, 4, null));
        received.onTaskEnd(ended(7, 5, TaskMetrics.empty()));
        assertEquals(1_500 + 2_500 + (3L << 31), received.total());
    }
}
