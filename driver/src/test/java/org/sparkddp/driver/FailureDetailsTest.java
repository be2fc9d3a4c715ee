package org.sparkddp.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureDetailsTest {
    @Test
    void anUnrecognizedFailureIsOneLineThatNamesTheFileHoldingItsStackTrace() throws IOException {
        RuntimeException failure = new IllegalStateException("Job aborted due to stage failure: ...\n\tat a.b.C",
                new IllegalArgumentException("the real reason\nmore"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.FAILED, Main.report(failure, new PrintStream(err, true, StandardCharsets.UTF_8)));

        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        String prefix = "spark-ddp: internal error: java.lang.IllegalArgumentException: the real reason (please report"
                + " it with its stack trace, in ";
        assertTrue(lines.get(0).startsWith(prefix) && lines.get(0).endsWith(".txt)"), lines.get(0));
        Path trace = Path.of(lines.get(0).substring(prefix.length(), lines.get(0).length() - 1));
        try {
            String text = Files.readString(trace);
            assertTrue(text.contains("Caused by: java.lang.IllegalArgumentException: the real reason"), text);
            assertTrue(text.contains("at org.sparkddp.driver.FailureDetailsTest"), text);
        } finally {
            Files.deleteIfExists(trace);
        }
    }
}
