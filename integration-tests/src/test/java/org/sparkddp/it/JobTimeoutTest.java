package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.driver.train.JobTimeoutException;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * training.job-timeout: every job the driver submits is cancelled past it, and the run ends with one line naming
 * the job and the key. Local mode: the executors' tasks run in this JVM, so they can block on purpose.
 */
class JobTimeoutTest extends FaultInjectionTest {
    private static String lineEnd(String timeout) {
        return ": the Spark job ran longer than training.job-timeout (" + timeout + ") and was cancelled; look for a"
                + " hung or starved task in the Spark UI and the executors' logs, or raise training.job-timeout";
    }

    /** Tasks of {@link #blocked} that started, and that a cancel interrupted; local mode runs them in this JVM. */
    private static final AtomicInteger STARTED = new AtomicInteger();
    private static final AtomicInteger INTERRUPTED = new AtomicInteger();

    /** Runs on the executors: sleeps, which a cancelled job's interrupt ends. */
    private static int blocked(int x) throws InterruptedException {
        STARTED.incrementAndGet();
        try {
            Thread.sleep(600_000);
        } catch (InterruptedException e) {
            INTERRUPTED.incrementAndGet();
            throw e;
        }
        return x;
    }

    @Test
    void aJobPastItsDeadlineIsCancelledWithinSecondsWithOneLine() throws InterruptedException {
        JobDeadline deadline = new JobDeadline(sc, "job-timeout-test", Duration.ofSeconds(1));
        STARTED.set(0);
        INTERRUPTED.set(0);
        // The tasks sleep for 10 minutes, the suite's own bound on a test: the job can only end here by the cancel.
        JobTimeoutException e = assertThrows(JobTimeoutException.class, () -> deadline.run("epoch 3 · evaluate",
                () -> sc.parallelize(List.of(1, 2), 2).map(JobTimeoutTest::blocked).collect()));
        assertEquals("epoch 3 · evaluate" + lineEnd("1s"), e.getMessage());
        // The job fails as soon as it is cancelled; the executor interrupts its task threads after that, on its
        // own thread (once, on a fresh clone, the check ran first and saw none). Every task that started must be
        // interrupted: wait for it, bounded.
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (INTERRUPTED.get() < STARTED.get() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertEquals(STARTED.get(), INTERRUPTED.get(), "tasks that started and that the cancel did not interrupt");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.FAILED, Main.report(new IllegalStateException("wrapped", e),
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(List.of("spark-ddp: error: epoch 3 · evaluate" + lineEnd("1s")),
                err.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void aJobWithinItsDeadlineIsUnaffectedAndSoIsTheNextJobInItsGroup() throws InterruptedException {
        // The deadline scales with this machine: ten times what the same job takes here unbounded, at least 1 s.
        long start = System.nanoTime();
        sc.parallelize(List.of(1, 2), 2).map(x -> 2 * x).collect();
        Duration timeout = Duration.ofMillis(Math.max(1_000, 10 * (System.nanoTime() - start) / 1_000_000));
        JobDeadline deadline = new JobDeadline(sc, "job-timeout-test", timeout);
        assertEquals(List.of(2, 4), deadline.run("quick", () -> sc.parallelize(List.of(1, 2), 2).map(x -> 2 * x)
                .collect()));
        Thread.sleep(timeout.toMillis() + 500); // past the first job's deadline: its timer was cancelled with it
        assertEquals(3L, (long) deadline.run("quick again", () -> sc.parallelize(List.of(1, 2, 3), 2).count()));
    }

    /** The wiring in TrainingMaster: a training stage whose rank hangs longer than the job timeout. */
    @Test
    void aTrainingStagePastTheJobTimeoutEndsTheRunNamingTheStage() {
        AtomicInteger hangs = new AtomicInteger();
        FaultInjection.set((rank, iteration) -> {
            if (rank == 1 && iteration == 1 && hangs.getAndIncrement() == 0) {
                if (HungRank.hang(Duration.ofSeconds(20))) {
                    throw new IllegalStateException("hung rank 1 killed");
                }
            }
        });
        JobTimeoutException e = assertThrows(JobTimeoutException.class, () -> Distributed.train(sc, data,
                TestData.config(out, MASTER, "training.epochs=1", "training.max-iterations=8",
                        "training.job-timeout=3s", "training.sync-timeout=5s")));
        assertTrue(e.getMessage().startsWith("epoch 1/1 · iterations 0–7 · stage 1 · sync · 2 workers: the Spark job"
                        + " ran longer"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(lineEnd("3s")), e.getMessage());
        // Rank 1 normally hangs before the deadline; on a machine slow enough to reach the deadline first, the
        // line is the same. Either way the cancelled stage was not resubmitted.
        assertTrue(hangs.get() <= 1, "a cancelled stage was resubmitted");
    }
}
