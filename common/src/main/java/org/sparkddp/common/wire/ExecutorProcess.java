package org.sparkddp.common.wire;

import java.nio.file.Path;

/**
 * The JVM a training task ran in, as the task saw it: enough for the driver to name that executor's crash report if
 * the JVM dies later, since a JVM that crashes can no longer say where it was.
 *
 * @param executorId Spark's executor id ("driver" in local mode)
 * @param host       the executor's host
 * @param pid        the executor JVM's process id
 * @param workDir    its working directory, where HotSpot writes {@code hs_err_pid<pid>.log} when it crashes
 */
public record ExecutorProcess(String executorId, String host, long pid, String workDir) {
    /** The JVM this code runs in. Runs on an executor. */
    public static ExecutorProcess current(String executorId, String host) {
        return new ExecutorProcess(executorId, host, ProcessHandle.current().pid(), System.getProperty("user.dir"));
    }

    /**
     * Where HotSpot writes this JVM's fatal error log by default (no {@code -XX:ErrorFile}): its working directory,
     * or the temporary directory when that is not writable.
     */
    public String crashReport() {
        return Path.of(workDir, "hs_err_pid" + pid + ".log").toString();
    }
}
