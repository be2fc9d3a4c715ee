package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;

/**
 * spark-ddp train against a standalone master that nothing listens for: the probe before Spark starts fails it
 * in seconds, with one line naming the master (no cluster needed: a closed port on loopback).
 */
class UnreachableMasterTest {
    @TempDir
    Path dir;

    @Test
    void trainAgainstAClosedPortFailsAtOnceWithOneLine() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String master = "spark://127.0.0.1:" + port;
        Path out = dir.resolve("out");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = Main.run(TestData.commandLine("train", List.of("data.train=" + TestData.TRAIN,
                        "data.test=" + TestData.TEST, "output.dir=" + out, "spark.master=" + master)).toArray(String[]::new),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(Main.FAILED, code);
        assertEquals(List.of("spark-ddp: error: cannot reach the Spark master " + master + " (127.0.0.1:" + port
                + ": Connection refused); check that the URL is right and that the master runs"),
                err.toString(StandardCharsets.UTF_8).lines().toList());
        // The line above is the probe's, so Spark never ran. The bound tells the probe (a refused connection on
        // loopback, under a second here) from Spark's own registration, which gives up only after three tries 20 s
        // apart: 60 s on any machine, so a slow machine stays far inside it.
        assertTrue(seconds < 45, "took " + seconds + " s");
        assertFalse(Files.exists(out) && Files.list(out).findAny().isEmpty(), "an empty output directory was left");
    }
}
