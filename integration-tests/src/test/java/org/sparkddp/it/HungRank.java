package org.sparkddp.it;

import java.time.Duration;
import org.apache.spark.TaskContext;

/**
 * A rank that hangs inside a training task, for {@code FaultInjection}: it blocks as a stuck computation would,
 * but honours Spark's task kill (the task context's interrupt flag, or the thread's interrupt), and gives up
 * after {@code cap} so that a test can never hang. Runs on the executors (local mode: this JVM).
 */
final class HungRank {
    private HungRank() {
    }

    /** Returns once the task is killed or {@code cap} has passed; says which by its return value (true: killed). */
    static boolean hang(Duration cap) {
        long end = System.nanoTime() + cap.toNanos();
        TaskContext task = TaskContext.get();
        while (System.nanoTime() < end) {
            if (task.isInterrupted() || Thread.currentThread().isInterrupted()) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return true;
            }
        }
        return false;
    }
}
