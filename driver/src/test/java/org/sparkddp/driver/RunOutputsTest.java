package org.sparkddp.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.output.OutputDirectory;

class RunOutputsTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private static OutputDirectory.Writer text(String s) {
        return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> names(Path d) throws IOException {
        try (var files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** An output directory with an earlier run's model, metrics, summary and an evaluation of that model. */
    private OutputDirectory earlierRun() throws IOException {
        OutputDirectory out = OutputDirectory.open(dir.toString(), HADOOP, "output.dir");
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json", "evaluation.json")) {
            out.writeAtomically(name, text("old " + name));
        }
        return out;
    }

    @Test
    void anEmptyDirectoryIsWrittenDirectlyWhateverTheSettings() {
        assertEquals(RunOutputs.Mode.FRESH, RunOutputs.decide(List.of(), false, false, "output.dir", "d"));
        assertEquals(RunOutputs.Mode.FRESH, RunOutputs.decide(List.of(), true, false, "output.dir", "d"));
    }

    @Test
    void anEarlierRunsResultsAreRefusedInOneLineUnlessOverwriteIsGiven() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> RunOutputs.decide(
                List.of("model.zip", "summary.json"), false, false, "output.dir", "file:/runs/a"));
        assertEquals("output.dir: 'file:/runs/a' holds an earlier run's results (model.zip, summary.json); pass"
                + " --overwrite (output.overwrite = true) to replace them once this run's are complete, or choose"
                + " another directory", e.getMessage());
        assertEquals(RunOutputs.Mode.REPLACE, RunOutputs.decide(List.of("model.zip"), true, false, "output.dir", "d"));
    }

    @Test
    void aResumedRunContinuesItsOwnResultsButReplacesThemUnderOverwrite() {
        assertEquals(RunOutputs.Mode.CONTINUE, RunOutputs.decide(List.of("metrics.jsonl"), false, true,
                "output.dir", "d"));
        assertEquals(RunOutputs.Mode.REPLACE, RunOutputs.decide(List.of("metrics.jsonl"), true, true,
                "output.dir", "d"));
    }

    @Test
    void aSecondRunIntoAUsedDirectoryIsRefusedAndTouchesNothing() throws IOException {
        OutputDirectory out = earlierRun();
        List<String> before = names(dir);
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> RunOutputs.open(out, Optional.empty(), false, Optional.empty(), "r1", HADOOP));
        assertEquals("output.dir", e.key());
        assertEquals(before, names(dir));
        assertEquals("old model.zip", Files.readString(dir.resolve("model.zip")));
    }

    @Test
    void anOverwriteRunWritesAsideAndReplacesTheEarlierResultsOnlyAtTheEnd() throws IOException {
        OutputDirectory out = earlierRun();
        RunOutputs outputs = RunOutputs.open(out, Optional.empty(), true, Optional.empty(), "r2", HADOOP);
        assertTrue(outputs.replacing());
        assertEquals(out.location() + "/.overwrite-r2", outputs.writing().location());
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json")) {
            outputs.writing().writeAtomically(name, text("new " + name));
            assertEquals("old " + name, Files.readString(dir.resolve(name)), "replaced before the run's end");
        }
        outputs.publish();
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json")) {
            assertEquals("new " + name, Files.readString(dir.resolve(name)));
        }
        // The old model's evaluation would describe the new model: it goes; no staging directory is left.
        assertEquals(List.of("metrics.jsonl", "model.zip", "summary.json"), names(dir));
    }

    @Test
    void aFailedOverwriteRunLeavesTheEarlierResultsAsTheyWereAndNamesWhatItWrote() throws IOException {
        OutputDirectory out = earlierRun();
        RunOutputs outputs = RunOutputs.open(out, Optional.empty(), true, Optional.empty(), "r3", HADOOP);
        outputs.writing().writeAtomically("metrics.jsonl", text("new metrics up to the failure"));
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        outputs.abandon(new PrintStream(console, true, StandardCharsets.UTF_8));
        for (String name : List.of("model.zip", "metrics.jsonl", "summary.json", "evaluation.json")) {
            assertEquals("old " + name, Files.readString(dir.resolve(name)));
        }
        assertTrue(console.toString(StandardCharsets.UTF_8).startsWith("kept: this run's metrics.jsonl in "
                + out.location() + "/.overwrite-r3"), console.toString(StandardCharsets.UTF_8));

        RunOutputs empty = RunOutputs.open(out, Optional.empty(), true, Optional.empty(), "r4", HADOOP);
        empty.abandon(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertFalse(Files.exists(dir.resolve(".overwrite-r4")), "an empty staging directory is left behind");
    }
}
