package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ExecutorLossTest {
    @Test
    void readsTheExitCodeOutOfTheClusterManagersReason() {
        assertEquals(OptionalInt.of(134), ExecutorLoss.exitCodeIn("Command exited with code 134"));
        assertEquals(OptionalInt.of(137), ExecutorLoss.exitCodeIn("Container exited with code 137: killed"));
        assertEquals(OptionalInt.empty(), ExecutorLoss.exitCodeIn("Remote RPC client disassociated."));
        assertEquals(OptionalInt.empty(), ExecutorLoss.exitCodeIn(null));
    }

    @Test
    void tellsACrashFromAKillAnExitAndALoss() {
        assertEquals("crashed", loss(134).kind());
        assertEquals("crashed", loss(139).kind());
        assertEquals("killed", loss(137).kind());
        assertEquals("killed", loss(143).kind());
        assertEquals("exited", loss(52).kind());
        assertEquals("lost", new ExecutorLoss("1", "h", OptionalInt.empty(), "heartbeat timed out",
                Optional.empty()).kind());
        assertTrue(loss(134).crashed());
        assertFalse(loss(137).crashed());
    }

    @Test
    void aCrashNamesItsReportAndIsNeverCalledARecovery() {
        ExecutorLoss crash = new ExecutorLoss("3", "127.0.0.2", OptionalInt.of(134), "Command exited with code 134",
                Optional.of("/w/app-1/3/hs_err_pid77.log"));
        assertEquals("executor 3 on 127.0.0.2 crashed with exit code 134 (a JVM fatal error, a bug to report even"
                + " though the stage recovered); crash report: /w/app-1/3/hs_err_pid77.log on 127.0.0.2", crash.describe());
        ExecutorLoss unknown = new ExecutorLoss("4", "unknown", OptionalInt.of(134), "Command exited with code 134",
                Optional.empty());
        assertTrue(unknown.describe().endsWith("its crash report is the hs_err_pid*.log file in its working directory"
                + " on unknown"), unknown.describe());
        assertEquals("executor 1 on h was killed with exit code 137", loss(137).describe());
    }

    private static ExecutorLoss loss(int code) {
        return new ExecutorLoss("1", "h", OptionalInt.of(code), "Command exited with code " + code, Optional.empty());
    }
}
