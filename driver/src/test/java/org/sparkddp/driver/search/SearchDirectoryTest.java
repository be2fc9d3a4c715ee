package org.sparkddp.driver.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.error.InvalidConfigException;

class SearchDirectoryTest {
    private static final Configuration HADOOP = new Configuration();

    @TempDir
    Path dir;

    private List<String> names(Path d) throws IOException {
        try (var files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aSearchHasItsOwnDirectoryBesideTheJobsRun() {
        assertEquals("file:" + dir + "/job-search", SearchDirectory.locationOf(dir + "/job", HADOOP));
        assertEquals("file:" + dir + "/job-search", SearchDirectory.locationOf(dir + "/job/", HADOOP));
        SearchDirectory fresh = SearchDirectory.open(dir + "/job", false, HADOOP);
        assertFalse(fresh.replacing());
        assertEquals(fresh.location(), fresh.writing());
        assertEquals("file:" + dir + "/job-search/trial-007", SearchDirectory.trialDir(fresh.location(), 7));
    }

    @Test
    void anEarlierSearchIsRefusedInOneLineAndUnderOverwriteReplacedOnlyAtTheEnd() throws IOException {
        Path earlier = Files.createDirectories(dir.resolve("job-search/trial-001"));
        Files.writeString(earlier.resolve("model.zip"), "old");
        Files.writeString(dir.resolve("job-search/search.json"), "{}");
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> SearchDirectory.open(dir + "/job", false, HADOOP));
        assertEquals("output.dir: 'file:" + dir + "/job-search' holds an earlier search (search.json, trial-001);"
                + " pass --overwrite (output.overwrite = true) to replace it once this search is complete, or choose"
                + " another output.dir", e.getMessage());

        SearchDirectory replacing = SearchDirectory.open(dir + "/job", true, HADOOP);
        assertTrue(replacing.replacing());
        assertTrue(replacing.writing().startsWith("file:" + dir + "/.job-search.overwrite-"), replacing.writing());
        Path staged = Path.of(java.net.URI.create(replacing.writing()));
        Files.createDirectories(staged.resolve("trial-001"));
        Files.writeString(staged.resolve("trial-001/model.zip"), "new");
        Files.writeString(staged.resolve("search.json"), "{\"new\": true}");
        assertEquals("old", Files.readString(earlier.resolve("model.zip")), "replaced before the end");

        replacing.publish();
        assertEquals("new", Files.readString(dir.resolve("job-search/trial-001/model.zip")));
        assertEquals(List.of("job-search"), names(dir), "a hidden directory was left beside it");
    }

    @Test
    void aFailedReplacingSearchKeepsWhatItWroteAsideAndRemovesAnEmptyDirectory() throws IOException {
        Files.createDirectories(dir.resolve("job-search"));
        Files.writeString(dir.resolve("job-search/search.json"), "{}");
        SearchDirectory empty = SearchDirectory.open(dir + "/job", true, HADOOP);
        Files.createDirectories(Path.of(java.net.URI.create(empty.writing())));
        assertTrue(empty.abandon().isEmpty());
        assertEquals(List.of("job-search"), names(dir));

        SearchDirectory written = SearchDirectory.open(dir + "/job", true, HADOOP);
        Path staged = Files.createDirectories(Path.of(java.net.URI.create(written.writing())).resolve("trial-001"));
        assertEquals(written.writing(), written.abandon().orElseThrow());
        assertTrue(Files.isDirectory(staged));
        assertEquals("{}", Files.readString(dir.resolve("job-search/search.json")));
    }
}
