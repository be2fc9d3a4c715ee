package org.sparkddp.common.error;

/**
 * A task ran out of memory: ND4J's native limit ({@code org.bytedeco.javacpp.maxbytes}, JavaCPP's "Cannot
 * allocate") or the JVM heap. Thrown on an executor in place of the {@link OutOfMemoryError} itself, which Spark
 * treats as fatal and answers by ending the executor's JVM (exit code 52; in local mode, the driver's): as an
 * exception, the task fails alone and the driver learns what happened. Another attempt on the same model and
 * settings would run out again, so the driver does not retry it.
 *
 * <p>The message is one line: what ran out, the limits in force in that JVM, and the setting to raise.
 */
public final class OutOfMemoryFailure extends RuntimeException implements DeterministicFailure {
    private static final long serialVersionUID = 1L;

    /**
     * NOTE: the error is not kept as the cause, only its stack trace: Spark's executor treats a task failure with an
     * OutOfMemoryError anywhere in its first causes (spark.executor.killOnFatalError.depth, 5) as fatal too.
     */
    public OutOfMemoryFailure(String message, OutOfMemoryError error) {
        super(message);
        setStackTrace(error.getStackTrace());
    }
}
