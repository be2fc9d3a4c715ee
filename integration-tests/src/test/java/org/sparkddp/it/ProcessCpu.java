package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

/**
 * Waits on a process's own progress, its processor time, rather than on the wall clock: the kill tests use it to
 * land a kill inside a training stage, however fast or loaded the machine is.
 */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /** Returns once {@code process} has used {@code cpu} more processor time than when this was called. */
    static void awaitMore(ProcessHandle process, Duration cpu, Duration timeout) throws InterruptedException {
        Duration start = used(process);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (used(process).minus(start).compareTo(cpu) < 0) {
            assertTrue(process.isAlive(), "process " + process.pid() + " exited while waiting for it to compute");
            assertTrue(System.nanoTime() < deadline, "process " + process.pid() + " used less than " + cpu
                    + " of processor time in " + timeout);
            Thread.sleep(20);
        }
    }

    private static Duration used(ProcessHandle process) {
        return process.info().totalCpuDuration()
                .orElseThrow(() -> new AssertionError("no processor time for process " + process.pid()));
    }
}
