package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkddp.it.Distributed.finalState;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.io.StringWriter;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.StringLayout;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * A task that dies mid-stage fails the whole barrier stage, and Spark does not retry it: a failed barrier result
 * stage fails the job. The driver resubmits the stage ({@code StageAttempts}, in the driver module), which starts
 * again from the same broadcast state and repeats the same iterations: the result is bit for bit that of an
 * undisturbed run. (The reliability tests kill real executor JVMs; here the failure is injected in local mode.)
 */
class StageRetryTest extends FaultInjectionTest {
    private ModelState train(String mode) {
        return finalState(Distributed.train(sc, data, TestData.config(out, MASTER, "training.mode=" + mode,
                "training.average-every=3", "training.epochs=2", "training.max-iterations=20",
                "training.iterations-per-stage=12")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "average"})
    void aStageWhoseTaskDiesIsResubmittedWithoutChangingTheResult(String mode) {
        ModelState undisturbed = train(mode);

        AtomicInteger failures = new AtomicInteger();
        FaultInjection.set((rank, iteration) -> {
            // Rank 1 dies once, in the middle of the first stage (iterations 0-11).
            if (rank == 1 && iteration == 7 && failures.getAndIncrement() == 0) {
                throw new IllegalStateException("injected failure of rank 1 before iteration 7");
            }
        });
        ModelState retried = train(mode);

        assertEquals(2, failures.get(), "rank 1 should reach iteration 7 twice: failing, then on the resubmitted stage");
        assertEquals(undisturbed.iteration(), retried.iteration());
        assertTrue(Arrays.equals(undisturbed.params(), retried.params()), "parameters differ after the retry");
        assertTrue(Arrays.equals(undisturbed.updaterState(), retried.updaterState()), "optimizer state differs");
    }

    /**
     * What the driver's console shows of a recovered failure, through conf/log4j2.properties' console layout:
     * Spark's "Lost task" warning carries the task's whole stack trace in its message; the console gets its first
     * line (the trace goes to the log file).
     */
    @Test
    void theConsoleOfARecoveredFailureHasNoStackTrace() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Appender stderr = context.getConfiguration().getAppender("stderr");
        assertTrue(stderr != null, "conf/log4j2.properties is not the logging config of this JVM");
        StringWriter console = new StringWriter();
        WriterAppender copy = WriterAppender.createAppender((StringLayout) stderr.getLayout(), null, console,
                "console-copy", false, true);
        copy.start();
        context.getRootLogger().addAppender(copy);
        try {
            AtomicInteger failures = new AtomicInteger();
            FaultInjection.set((rank, iteration) -> {
                if (rank == 1 && iteration == 7 && failures.getAndIncrement() == 0) {
                    throw new IllegalStateException("injected failure of rank 1 before iteration 7");
                }
            });
            train("sync");
        } finally {
            context.getRootLogger().removeAppender(copy);
            copy.stop();
        }
        String text = console.toString();
        assertTrue(text.contains("Lost task") && text.contains("injected failure of rank 1"),
                "the failure was not logged:\n" + text);
        assertTrue(text.lines().noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")
                || l.startsWith("java.")), "a stack trace on the console:\n" + text);
        assertTrue(text.contains("[whole message in "), text);
    }
}
