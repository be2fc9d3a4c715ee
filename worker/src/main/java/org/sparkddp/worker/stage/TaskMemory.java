package org.sparkddp.worker.stage;

import java.util.Locale;
import org.apache.spark.SparkEnv;
import org.bytedeco.javacpp.Pointer;
import org.sparkddp.common.error.OutOfMemoryFailure;

/**
 * Turns a training task's {@link OutOfMemoryError} into an {@link OutOfMemoryFailure}. Runs on an executor, at the
 * task's boundary.
 *
 * <p>Why: Spark answers an OutOfMemoryError thrown from a task by exiting the executor's JVM (code 52), in local
 * mode the driver's own; the driver then sees a lost executor, not why. As an exception the task fails alone, its
 * type reaches the driver, and the driver ends the run at once instead of resubmitting a stage that would run out
 * again. The JVM stays usable: what the task allocated is unreachable once it has failed, and JavaCPP's native
 * "Cannot allocate" is thrown before the allocation, not after.
 */
final class TaskMemory {
    private TaskMemory() {
    }

    static OutOfMemoryFailure failure(int rank, OutOfMemoryError e) {
        long mib = 1L << 20;
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        return new OutOfMemoryFailure(String.format(Locale.ROOT, "rank %d on executor %s ran out of memory (%s: %s);"
                        + " native memory in use %,d MiB of org.bytedeco.javacpp.maxbytes %,d MiB, heap limit %,d MiB",
                rank, executor, e.getClass().getName(), String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
                Pointer.totalBytes() / mib, Pointer.maxBytes() / mib, Runtime.getRuntime().maxMemory() / mib), e);
    }
}
