package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkddp.driver.Main;

/** A standalone master nobody listens for fails in seconds, before Spark starts, with one line. */
class SparkStartTest {
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort(); // free again once closed
        }
    }

    @Test
    void anUnreachableMasterFailsAtOnceNamingItsUrl() throws IOException {
        String master = "spark://127.0.0.1:" + closedPort();
        SparkUnavailableException e = assertThrows(SparkUnavailableException.class,
                () -> SparkStart.context(new SparkConf().setMaster(master).setAppName("unreachable")));
        // Refused, not timed out: the probe failed on the connection's answer, before Spark was started at all.
        assertTrue(e.getMessage().startsWith("cannot reach the Spark master " + master + " ("), e.getMessage());
        assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
        assertTrue(e.getMessage().endsWith("check that the URL is right and that the master runs"), e.getMessage());
    }

    @Test
    void anyStandbyMasterThatListensWillDo() throws IOException {
        try (ServerSocket live = new ServerSocket(0)) {
            MasterProbe.requireReachable("spark://127.0.0.1:" + closedPort() + ",127.0.0.1:" + live.getLocalPort());
        }
    }

    /** Thrown by a closing CommandSpark, the stop is suppressed in whatever the command failed with; it wins. */
    @Test
    void aContextStoppedUnderTheCommandIsTheOneLineEvenWhenSuppressed() {
        RuntimeException failure = new IllegalStateException("Job 3 cancelled because SparkContext was shut down");
        failure.addSuppressed(new SparkUnavailableException("Spark stopped the SparkContext under the run"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.FAILED, Main.report(failure, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(List.of("spark-ddp: error: Spark stopped the SparkContext under the run"),
                err.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
