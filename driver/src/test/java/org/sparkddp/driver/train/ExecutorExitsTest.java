package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.wire.ExecutorProcess;

class ExecutorExitsTest {
    @Test
    void everyRemovalIsHandedOutOnceWithWhatItsTasksReported() {
        ExecutorExits exits = new ExecutorExits();
        exits.ran(new ExecutorProcess("1", "127.0.0.2", 4242, "/w/app/1"));
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(10, "1", "Command exited with code 134"));
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(11, "2", "Command exited with code 134"));
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(12, "1", "Command exited with code 137"));

        assertEquals(List.of(
                new ExecutorLoss("1", "127.0.0.2", OptionalInt.of(134), "Command exited with code 134",
                        Optional.of("/w/app/1/hs_err_pid4242.log")),
                // No task of the run reported from executor 2: a crash without a known place for its report.
                new ExecutorLoss("2", "unknown", OptionalInt.of(134), "Command exited with code 134", Optional.empty()),
                // A kill leaves no fatal error log to point at.
                new ExecutorLoss("1", "127.0.0.2", OptionalInt.of(137), "Command exited with code 137",
                        Optional.empty())), exits.takeNew());
        assertEquals(List.of(), exits.takeNew());

        // A removal between two stages (any time before the next call) is named with the next stage.
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(5, "3", "Remote RPC client disassociated"));
        assertEquals(List.of(new ExecutorLoss("3", "unknown", OptionalInt.empty(), "Remote RPC client disassociated",
                Optional.empty())), exits.takeNew());
    }

    @Test
    void aRemovalThatSparkPostsTwiceIsOneLoss() {
        // YARN: the application master's completed-container report and its answer to the driver's loss-reason
        // query each make Spark post the removal, with the same reason.
        String reason = "Container from a bad node: container_1_0002_01_000003 on host: localhost. Exit status: 137."
                + " Diagnostics: Container killed on request. Exit code is 137\nContainer exited with a non-zero exit code"
                + " 137.\nKilled by external signal\n.";
        ExecutorExits exits = new ExecutorExits();
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(10, "2", reason));
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(11, "2", reason));
        assertEquals(List.of(new ExecutorLoss("2", "unknown", OptionalInt.of(137), reason, Optional.empty())),
                exits.takeNew());
        // ...also when the second comes after the first was handed out.
        exits.onExecutorRemoved(new SparkListenerExecutorRemoved(12, "2", reason));
        assertEquals(List.of(), exits.takeNew());
    }
}
