package org.sparkddp.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Keeps the logs of a failed test: when a test fails, copies the text files under the directories the class names
 * (its runs' stdout and stderr, a cluster's daemon and executor logs) to {@code target/kept-logs/CLASS/TEST/}, so
 * that they outlive the class's temporary folder. Model files, jars and other large or binary files are left out.
 * Runs in the test JVM, after the test's {@code @AfterEach} methods and before its {@code @AfterAll} ones.
 */
final class KeptLogs implements TestWatcher {
    /** Where the copies go, under the module's working directory (Maven's target/). */
    static final Path ROOT = Path.of("target", "kept-logs");
    /** A file larger than this is not a log worth keeping (an executor's copy of the application jar is 160 MB). */
    private static final long MAX_BYTES = 32L << 20;
    /** Binary or large files, and configuration (a cluster's spark-defaults.conf holds its secret). */
    private static final List<String> SKIPPED = List.of(".jar", ".zip", ".gz", ".bin", ".crc", ".parquet", ".conf");

    private final Supplier<List<Path>> dirs;

    /**
     * @param dirs the directories to copy from, into one folder per failed test, asked for only when a test has
     *             failed (null ones are skipped)
     */
    KeptLogs(Supplier<List<Path>> dirs) {
        this.dirs = dirs;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        Path to = ROOT.resolve(context.getRequiredTestClass().getSimpleName())
                .resolve(context.getRequiredTestMethod().getName());
        for (Path dir : dirs.get()) {
            if (dir != null && Files.isDirectory(dir)) {
                copy(dir, to);
            }
        }
        System.err.println("kept-logs: the logs of the failed test are in " + to.toAbsolutePath());
    }

    private static void copy(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(KeptLogs::isLog).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                Files.createDirectories(target.getParent());
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // A file that went away while we copied (a run still ending) must not hide the test's own failure.
            System.err.println("kept-logs: could not copy all of " + from + ": " + e);
        } catch (UncheckedIOException e) {
            System.err.println("kept-logs: could not walk " + from + ": " + e.getCause());
        }
    }

    private static boolean isLog(Path f) {
        String name = f.getFileName().toString();
        try {
            return Files.isRegularFile(f) && SKIPPED.stream().noneMatch(name::endsWith) && Files.size(f) <= MAX_BYTES;
        } catch (IOException gone) {
            return false;
        }
    }
}
