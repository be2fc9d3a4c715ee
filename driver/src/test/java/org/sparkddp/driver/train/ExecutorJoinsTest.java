package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListenerExecutorAdded;
import org.apache.spark.scheduler.cluster.ExecutorInfo;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.output.ConsoleProgress;

/**
 * An executor that registers while a run trains is told to the console when it gives the cluster more task slots
 * than the run has workers, and only then: the run's own executors registering at its start are not joins.
 */
class ExecutorJoinsTest {
    private static SparkListenerExecutorAdded added(String id, String host) {
        return new SparkListenerExecutorAdded(0L, id, new ExecutorInfo(host, 1,
                scala.collection.immutable.Map$.MODULE$.<String, String>empty()));
    }

    @Test
    void saysSoWhenTheSlotsPassTheWorkers() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ConsoleProgress console = new ConsoleProgress(out, false, 100, 16, Duration.ZERO);
        AtomicInteger slots = new AtomicInteger();
        AtomicInteger workers = new AtomicInteger(2);
        ExecutorJoins joins = new ExecutorJoins(slots::get, workers::get, List.of(console));

        slots.set(1);
        joins.onExecutorAdded(added("0", "127.0.0.2")); // the run's own, at its start
        slots.set(2);
        joins.onExecutorAdded(added("1", "127.0.0.3"));
        slots.set(3);
        joins.onExecutorAdded(added("2", "127.0.0.4"));
        workers.set(3); // the run grew onto it
        slots.set(3);
        joins.onExecutorAdded(added("3", "127.0.0.5")); // a replacement for one it lost: no more slots than workers
        workers.set(1);
        slots.set(2);
        joins.onExecutorAdded(added("4", "127.0.0.6"));

        assertEquals("executors: executor 2 joined on 127.0.0.4 · 3 task slots for 2 workers\n"
                + "executors: executor 4 joined on 127.0.0.6 · 2 task slots for 1 worker\n",
                bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStoppedSparkContextSaysNothing() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false,
                100, 16, Duration.ZERO);
        ExecutorJoins joins = new ExecutorJoins(() -> {
            throw new IllegalStateException("SparkContext was shut down");
        }, () -> 2, List.of(console));
        joins.onExecutorAdded(added("5", "127.0.0.2"));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
