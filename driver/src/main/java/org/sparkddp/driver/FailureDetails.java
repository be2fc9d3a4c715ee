package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * An unrecognized failure, kept off the console: its innermost cause in one line for stderr, and its full stack
 * trace in a file for a bug report. Runs on the driver, once, as the command ends.
 */
final class FailureDetails {
    private FailureDetails() {
    }

    /**
     * The innermost cause's class and first message line: Spark wraps a task's exception in a SparkException whose
     * message starts with a line about the job, which says nothing about what went wrong.
     */
    static String firstLine(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getName() + (message.isEmpty() ? "" : ": " + message);
    }

    /**
     * Writes the stack trace under java.io.tmpdir, whole or not at all (a temporary name, then a rename), and says
     * where; if it cannot, says so, and the trace is lost rather than spilled on the console.
     */
    static String save(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            Path partial = Files.createTempFile(dir, ".spark-ddp-error-", ".tmp");
            Files.writeString(partial, trace.toString(), StandardCharsets.UTF_8);
            Path file = dir.resolve(partial.getFileName().toString().substring(1).replace(".tmp", ".txt"));
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            return "please report it with its stack trace, in " + file;
        } catch (IOException | RuntimeException e) {
            return "please report it; its stack trace could not be saved: " + e.getMessage();
        }
    }
}
