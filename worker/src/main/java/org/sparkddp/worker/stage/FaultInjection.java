package org.sparkddp.worker.stage;

/**
 * A seam for tests of failure handling: when set, it is asked before every iteration of every training task and
 * may throw, as a crashed task would. Runs on executors; unset (null) outside tests, where it costs one volatile
 * read per iteration. Local-mode tests set it in their own JVM, which is also the executors'.
 */
public final class FaultInjection {
    /** Decides whether a task fails before an iteration. */
    @FunctionalInterface
    public interface Fault {
        /**
         * @param rank      the task's rank
         * @param iteration the global iteration about to run (a resubmitted stage runs its iterations again)
         */
        void beforeIteration(int rank, long iteration);
    }

    private static volatile Fault fault;

    private FaultInjection() {
    }

    public static void set(Fault newFault) {
        fault = newFault;
    }

    public static void clear() {
        fault = null;
    }

    /**
     * A fault that throws {@link OutOfMemoryError} once, on {@code rank} before {@code iteration}, as JavaCPP does
     * when an allocation would pass {@code org.bytedeco.javacpp.maxbytes}.
     */
    public static Fault outOfMemory(int rank, long iteration) {
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        return (r, i) -> {
            if (r == rank && i == iteration && !thrown.getAndSet(true)) {
                throw new OutOfMemoryError("injected: Cannot allocate new FloatPointer(268435456): totalBytes = 1G,"
                        + " physicalBytes = 2G");
            }
        };
    }

    static void beforeIteration(int rank, long iteration) {
        Fault current = fault;
        if (current != null) {
            current.beforeIteration(rank, iteration);
        }
    }
}
