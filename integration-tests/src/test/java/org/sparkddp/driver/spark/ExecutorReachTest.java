package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The measurement behind {@link ExecutorReach}, run by local[2] tasks (which share the driver's disk, as
 * deploy/local-cluster's executors do): a marker the driver writes is seen, a path the executors do not see is
 * refused in one line naming its key. On a real cluster the same job runs on the executors' machines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutorReachTest {
    private static final Duration BOUND = Duration.ofMinutes(2);
    private JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    void start() {
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("executor-reach-test")
                .set("spark.ui.enabled", "false"));
    }

    @AfterAll
    void stop() {
        sc.stop();
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aDirectoryTheExecutorsSeePassesAndItsMarkerIsRemoved() throws IOException {
        Files.writeString(dir.resolve("model.zip"), "x");
        ExecutorReach.verify(sc, BOUND, List.of(ExecutorReach.Probe.directory("output.dir", dir.toUri().toString()),
                ExecutorReach.Probe.existing("--resume", dir.resolve("model.zip").toUri().toString())));
        assertEquals(List.of("model.zip"), names());
    }

    @Test
    void aPathTheExecutorsDoNotSeeIsOneLineNamingTheKeyAndASharedFilesystem() throws IOException {
        String gone = dir.resolve("nowhere").toUri().toString();
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ExecutorReach.verify(sc, BOUND,
                List.of(ExecutorReach.Probe.directory("output.dir", dir.toUri().toString()),
                        ExecutorReach.Probe.existing("--input", gone))));
        assertEquals("--input", e.key());
        assertTrue(e.getMessage().startsWith("--input: '" + gone + "' is on the driver's local disk, which the"
                + " executors do not see"), e.getMessage());
        assertTrue(e.getMessage().endsWith("use a shared filesystem such as hdfs://namenode:8020/path"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(List.of(), names(), "the marker was left behind");
    }

    @Test
    void sharedFilesystemsAreNotProbedAndNorIsAnythingInLocalMode() {
        // No marker can be written to hdfs://nowhere, and none is tried: such paths are shared by nature.
        ExecutorReach.verify(sc, BOUND, List.of(ExecutorReach.Probe.directory("output.dir", "hdfs://nowhere:8020/x")));
        // In local mode the executors are the driver: check() asks nothing, even of a path no one sees.
        ExecutorReach.check(sc, BOUND, List.of(ExecutorReach.Probe.existing("--input",
                dir.resolve("nowhere").toUri().toString())));
    }
}
