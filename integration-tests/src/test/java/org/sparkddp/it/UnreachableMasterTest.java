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
        assertTrue(seconds < 30, "took " + seconds + " s");
        assertFalse(Files.exists(out) && Files.list(out).findAny().isEmpty(), "an empty output directory was left");
    }
}
