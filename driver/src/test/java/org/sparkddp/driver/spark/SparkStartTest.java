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
import org.sparkddp.common.error.InvalidInputException;
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

    /**
     * Spark refuses a -Dspark... option in the executors' Java options (it would set a Spark key behind the conf's
     * back; spark-ddp's own -Dsparkddp... switches fall under it too): one line naming the key, exit 2, not an
     * internal error.
     */
    @Test
    void aSettingSparkRefusesIsInvalidInputNamingTheKey() {
        SparkConf conf = new SparkConf().setMaster("local[1]").setAppName("refused")
                .set("spark.executor.extraJavaOptions", "-Dsparkddp.engine.onednn=false");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SparkStart.context(conf));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, Main.report(e, new PrintStream(err, true, StandardCharsets.UTF_8)));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("spark-ddp: error: Spark refused its settings: "
                + "spark.executor.extraJavaOptions is not allowed to set Spark options"), lines.get(0));
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
