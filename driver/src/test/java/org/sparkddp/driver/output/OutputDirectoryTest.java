package org.sparkddp.driver.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidConfigException;

class OutputDirectoryTest {
    @TempDir
    Path dir;

    private static OutputDirectory.Writer text(String s) {
        return out -> out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesReplaceEarlierVersionsAndLeaveNothingElse() throws IOException {
        OutputDirectory out = OutputDirectory.open(dir.toString(), new Configuration(), "output.dir");
        out.writeAtomically("a.json", text("first"));
        out.writeAtomically("a.json", text("second"));
        assertEquals("second", Files.readString(dir.resolve("a.json")));
        assertEquals(List.of("a.json"), names()); // no temporary file, no .crc side file
    }

    @Test
    void aFailedWriteLeavesTheEarlierVersionAndNoTemporaryFile() throws IOException {
        OutputDirectory out = OutputDirectory.open(dir.toString(), new Configuration(), "output.dir");
        out.writeAtomically("model.zip", text("good"));
        assertThrows(IOException.class, () -> out.writeAtomically("model.zip", o -> {
            o.write(1);
            throw new IOException("disk full");
        }));
        assertEquals("good", Files.readString(dir.resolve("model.zip")));
        assertEquals(List.of("model.zip"), names());
    }

    @Test
    void removeDeletesAPreviousRunsOutput() throws IOException {
        OutputDirectory out = OutputDirectory.open(dir.toString(), new Configuration(), "output.dir");
        out.writeAtomically("summary.json", text("{}"));
        out.remove("summary.json");
        out.remove("never-written.json");
        assertFalse(Files.exists(dir.resolve("summary.json")));
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "x");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> OutputDirectory.open(file.toString(), new Configuration(), "output.dir"));
        assertTrue(e.getMessage().startsWith("output.dir: '" + file + "' is a file"), e.getMessage());
    }

    @Test
    void aFailedRunRemovesOnlyAnEmptyDirectoryItCreated() throws IOException {
        Path fresh = dir.resolve("fresh");
        OutputDirectory.open(fresh.toString(), new Configuration(), "output.dir").discardIfEmpty();
        assertFalse(Files.exists(fresh), "the empty directory the run created is left behind");

        OutputDirectory written = OutputDirectory.open(fresh.toString(), new Configuration(), "output.dir");
        written.writeAtomically("metrics.jsonl", text("{}"));
        written.discardIfEmpty();
        assertTrue(Files.exists(fresh.resolve("metrics.jsonl")), "what a failed run wrote is kept");

        Path existing = Files.createDirectories(dir.resolve("existing"));
        OutputDirectory.open(existing.toString(), new Configuration(), "output.dir").discardIfEmpty();
        assertTrue(Files.isDirectory(existing), "a directory the user made is never removed");
    }
}
