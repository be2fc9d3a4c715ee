package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.train.StageFailedException;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * Failures that another attempt would repeat end the run at once, with one line that says what to change: a model
 * too large for the off-heap limit fails before Spark runs anything, and a task that runs out of memory fails its
 * stage once, never resubmitted.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeterministicFailureTest extends FaultInjectionTest {
    /**
     * 784-2048-2048-10 with Adam: 5.8M parameters, about 300 MB of native memory for 2 ranks in one JVM, against a
     * limit forced down to 128 MB in the child JVM, which in local mode runs every task.
     */
    @Test
    void aModelTooLargeForTheOffHeapLimitFailsBeforeTrainingWithOneLineAndExitCode2() throws Exception {
        Path output = out.resolve("too-large");
        ProcessBuilder launcher = ChildRun.launcher(TestData.commandLine("train", List.of("data.train=" + TestData.TRAIN,
                "data.test=" + TestData.TEST, "output.dir=" + output, "spark.master=local[2]",
                "spark.ui.enabled=false", "training.workers=2", "optimizer.name=adam",
                "model.layers=[{type=dense,units=2048},{type=dense,units=2048}]")));
        launcher.environment().put("SPARK_DDP_JAVA_OPTS",
                TestData.SHORT_JVM_OPTIONS + " -Dorg.bytedeco.javacpp.maxbytes=128m");
        ChildRun run = ChildRun.start(launcher, out, "too-large");
        assertTrue(run.process().waitFor(3, TimeUnit.MINUTES), "the run did not end");
        assertEquals(Main.INVALID_INPUT, run.process().exitValue(), run.output());

        List<String> errors = Files.readAllLines(run.stderr(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("spark-ddp: ")).toList();
        assertEquals(1, errors.size(), run.output());
        String line = errors.get(0);
        assertTrue(line.startsWith("spark-ddp: error: org.bytedeco.javacpp.maxbytes: is 128m in this JVM"), line);
        assertTrue(line.contains("parameters 5,824,522 x 4 B") && line.contains("optimizer state 5,824,522 x 2 x 4 B"),
                line);
        // Before training: no run header, no stage, nothing resubmitted, no output directory left behind.
        String stdout = Files.readString(run.stdout(), StandardCharsets.UTF_8);
        assertFalse(stdout.contains("parameters) ·"), stdout);
        assertFalse(run.output().contains("resubmitting"), run.output());
        assertFalse(Files.exists(output), "the output directory was left behind");
    }

    @Test
    void aTaskThatRunsOutOfMemoryFailsItsStageOnceAndIsNotResubmitted() {
        AtomicInteger attempts = new AtomicInteger();
        FaultInjection.Fault outOfMemory = FaultInjection.outOfMemory(1, 3);
        FaultInjection.set((rank, iteration) -> {
            if (rank == 0 && iteration == 0) {
                attempts.incrementAndGet(); // each submission of the first stage starts here
            }
            outOfMemory.beforeIteration(rank, iteration);
        });
        // Four attempts allowed: the fault throws only once, so a resubmission would succeed and fail this test.
        StageFailedException e = assertThrows(StageFailedException.class, () -> Distributed.train(sc, data,
                TestData.config(out, MASTER, "training.stage-attempts=4", "training.max-iterations=10")));
        assertEquals(1, attempts.get(), "the stage was resubmitted");
        String line = e.getMessage();
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.contains("failed on attempt 1 of 4 and cannot be resubmitted: not retried, out of memory"),
                line);
        assertTrue(line.contains("rank 1 on executor driver ran out of memory") && line.contains("injected: Cannot"
                + " allocate") && line.contains("org.bytedeco.javacpp.maxbytes"), line);
    }
}
