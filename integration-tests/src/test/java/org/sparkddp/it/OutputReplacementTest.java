package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.output.Json;

/**
 * No command deletes or overwrites an earlier run's results: a second train, search or predict into a used
 * directory is refused (exit 2) and touches nothing; with --overwrite the new results replace the old only once
 * they are complete, so a run that fails on the way leaves the old ones as they were; a resumed run continues its
 * own. Runs the commands as a user does, in local mode.
 */
class OutputReplacementTest {
    @TempDir
    Path dir;

    /** A small network, a few iterations: the outputs are under test here, not training. */
    private List<String> settings(Path output, String... more) {
        List<String> all = new ArrayList<>(List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST,
                "output.dir=" + output, "spark.master=local[2]", "spark.ui.enabled=false", "training.epochs=1",
                "training.max-iterations=4", "model.layers=[{type=dense,units=16}]"));
        all.addAll(List.of(more));
        return all;
    }

    private record Run(int code, String out, String err) {
    }

    private static Run run(List<String> settings, String command, String... extra) {
        List<String> argv = new ArrayList<>(TestData.commandLine(command, settings));
        argv.addAll(List.of(extra));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Every file under {@code root} (hidden ones included), with its bytes. */
    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> all = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                all.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return all;
    }

    private static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name + " changed"));
    }

    /** The run's one-line error, with exit 2. */
    private static String refused(Run run) {
        assertEquals(Main.INVALID_INPUT, run.code(), run.out() + run.err());
        List<String> lines = run.err().lines().toList();
        assertEquals(1, lines.size(), run.err());
        return lines.get(0);
    }

    @Test
    void aSecondTrainIsRefusedAndLeavesTheFirstRunsFilesBitwiseUnchanged() throws IOException {
        Path out = dir.resolve("run");
        Run first = run(settings(out), "train");
        assertEquals(0, first.code(), first.err());
        // The outputs line names the real, fully qualified directory.
        assertTrue(first.out().contains("outputs: file:" + out + "/{model.zip, metrics.jsonl, summary.json"),
                first.out());
        Map<String, byte[]> before = files(out);
        assertTrue(before.keySet().containsAll(List.of("model.zip", "metrics.jsonl", "summary.json")), before.keySet()
                .toString());

        String line = refused(run(settings(out, "optimizer.learning-rate=0.01"), "train"));
        assertTrue(line.startsWith("spark-ddp: error: output.dir: 'file:" + out + "' holds an earlier run's results"
                + " (model.zip, metrics.jsonl, report.html, summary.json); pass --overwrite"), line);
        assertSameFiles(before, files(out));
    }

    @Test
    void anOverwriteRunReplacesTheOldResultsOnlyOnceItsOwnAreComplete() throws IOException {
        Path out = dir.resolve("run");
        assertEquals(0, run(settings(out), "train").code());
        Files.writeString(out.resolve("evaluation.json"), "{\"of\": \"the first run's model\"}");
        Map<String, byte[]> before = files(out);

        // A setting that fails only once training runs: plain SGD at this rate overflows at once (exit 3).
        Run failed = run(settings(out, "optimizer.name=sgd", "optimizer.learning-rate=1e30"), "train",
                "--overwrite");
        assertEquals(Main.DIVERGED, failed.code(), failed.out() + failed.err());
        assertTrue(failed.out().contains("overwrite: the results in file:" + out + " are replaced once this run's are"
                + " complete; until then it writes into file:" + out + "/.overwrite-"), failed.out());
        Map<String, byte[]> after = files(out);
        after.keySet().removeIf(name -> name.startsWith(".overwrite-")); // what the failed run wrote, aside
        assertSameFiles(before, after);

        Run replaced = run(settings(out, "training.max-iterations=6"), "train", "--overwrite");
        assertEquals(0, replaced.code(), replaced.err());
        assertEquals(6, Json.parse(Files.readString(out.resolve("summary.json"))).get("iterations").asLong());
        assertFalse(Files.exists(out.resolve("evaluation.json")), "the old model's evaluation describes the new one");
        try (Stream<Path> left = Files.list(out)) {
            // The successful run's staging directory is gone; only the failed run's kept one may remain.
            assertEquals(before.keySet().size() - 1, left.filter(p -> !p.getFileName().toString()
                    .startsWith(".overwrite-")).count());
        }
        assertFalse(java.util.Arrays.equals(before.get("model.zip"), Files.readAllBytes(out.resolve("model.zip"))));
    }

    @Test
    void aResumedRunContinuesItsOwnOutputAndCheckpointsAndNoOtherRunTakesThem() throws IOException {
        Path out = dir.resolve("run");
        Path ckpt = dir.resolve("ckpt");
        List<String> first = settings(out, "checkpoint.dir=" + ckpt, "training.max-iterations=null");
        assertEquals(0, run(first, "train").code());

        // Resumed from its own checkpoints into its own output directory, one epoch more: no --overwrite needed.
        List<String> longer = new ArrayList<>(first);
        longer.add("training.epochs=2");
        Run resumed = run(longer, "train", "--resume", ckpt.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming from file:" + ckpt + "/ckpt-"), resumed.out());
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, metrics.stream().filter(l -> l.contains("\"type\":\"epoch\"")).count(), metrics.toString());

        // Another run may not take its checkpoints' place.
        String line = refused(run(settings(dir.resolve("other"), "checkpoint.dir=" + ckpt), "train"));
        assertTrue(line.startsWith("spark-ddp: error: checkpoint.dir: 'file:" + ckpt + "' holds an earlier run's"
                + " results (ckpt-"), line);
    }

    @Test
    void searchWritesIntoItsOwnDirectoryNeverIntoTheJobsRun() throws IOException {
        Path job = dir.resolve("job");
        assertEquals(0, run(settings(job), "train").code());
        Map<String, byte[]> trained = files(job);
        Path grid = TestData.configFile(dir, "grid.conf", "grid { \"optimizer.learning-rate\" = [0.01] }");

        Run search = run(settings(job), "search", "--grid", grid.toString());
        assertEquals(0, search.code(), search.err());
        Path own = dir.resolve("job-search");
        assertTrue(search.out().contains("written: file:" + own + "/search.json"), search.out());
        assertTrue(Files.exists(own.resolve("trial-001/model.zip")));
        assertEquals("file:" + own + "/trial-001", Json.parse(Files.readString(own.resolve("search.json")))
                .get("trials").get(0).get("output_dir").asText());
        assertSameFiles(trained, files(job));

        Map<String, byte[]> searched = files(own);
        String line = refused(run(settings(job), "search", "--grid", grid.toString()));
        assertTrue(line.startsWith("spark-ddp: error: output.dir: 'file:" + own + "' holds an earlier search"
                + " (search.json, trial-001); pass --overwrite"), line);
        assertSameFiles(searched, files(own));

        Run again = run(settings(job, "training.max-iterations=3"), "search", "--grid", grid.toString(),
                "--overwrite");
        assertEquals(0, again.code(), again.err());
        assertEquals(3, Json.parse(Files.readString(own.resolve("trial-001/summary.json"))).get("iterations")
                .asLong());
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(List.of(), siblings.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))
                    .toList(), "a hidden directory of the search was left beside it");
        }
    }
}
