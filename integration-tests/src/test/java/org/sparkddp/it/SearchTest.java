package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.output.Json;

/** spark-ddp search on a small grid of the committed subset: every trial runs, ranked by held-out loss. */
class SearchTest {
    @TempDir
    Path dir;

    private int search(Path grid, ByteArrayOutputStream out, ByteArrayOutputStream err, String... settings) {
        List<String> argv = new ArrayList<>(TestData.commandLine("search", List.of("data.train=" + TestData.TRAIN,
                "data.test=" + TestData.TEST, "output.dir=" + dir.resolve("job"), "spark.master=local[2]",
                "spark.ui.enabled=false", "training.epochs=1", "optimizer.name=sgd")));
        for (String s : settings) {
            argv.add("--set");
            argv.add(s);
        }
        argv.add("--grid");
        argv.add(grid.toString());
        return Main.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void everyTrialRunsAndTheyAreRankedByHeldOutLossWithTheDivergedOneLast() throws Exception {
        Path grid = TestData.configFile(dir, "grid.conf",
                "grid { \"optimizer.learning-rate\" = [0.1, 0.01, 1e6], \"training.batch-size\" = [64] }");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, search(grid, out, err), err.toString(StandardCharsets.UTF_8));
        String console = out.toString(StandardCharsets.UTF_8);
        System.out.println(console.lines().filter(l -> l.startsWith("rank") || l.matches("^\\s+\\d.*"))
                .reduce("", (a, b) -> a + b + "\n"));

        JsonNode doc = Json.parse(Files.readString(dir.resolve("job-search/search.json")));
        assertEquals("test", doc.get("ranked_on").asText());
        JsonNode trials = doc.get("trials");
        assertEquals(3, trials.size());
        double previous = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < 2; i++) {
            JsonNode t = trials.get(i);
            double loss = t.get("held_out_loss").asDouble();
            assertTrue(loss >= previous, "not ranked by held-out loss: " + doc);
            previous = loss;
            // Each trial is a whole run in its own directory, and search.json quotes its summary.
            JsonNode summary = Json.parse(Files.readString(Path.of(java.net.URI.create(t.get("output_dir").asText())).resolve("summary.json")));
            assertEquals(summary.get("test_loss").asDouble(), loss, 0.0);
            assertTrue(Files.exists(Path.of(java.net.URI.create(t.get("output_dir").asText())).resolve("report.html")));
        }
        JsonNode diverged = trials.get(2);
        assertEquals("[\"optimizer.learning-rate=1000000\",\"training.batch-size=64\"]",
                diverged.get("settings").toString());
        assertTrue(diverged.get("held_out_loss").isNull() && diverged.has("failure"), diverged.toString());
        assertTrue(console.contains("diverged"), console);
    }

    @Test
    void withAValidationSetInEveryTrialTheRankingUsesItNotTheTestSet() throws Exception {
        Path grid = TestData.configFile(dir, "val-grid.conf", "grid { \"optimizer.learning-rate\" = [0.1, 0.01] }");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, search(grid, new ByteArrayOutputStream(), err, "training.max-iterations=8",
                "validation.fraction=0.2"), err.toString(StandardCharsets.UTF_8));
        JsonNode doc = Json.parse(Files.readString(dir.resolve("job-search/search.json")));
        assertEquals("validation", doc.get("ranked_on").asText());
        JsonNode trials = doc.get("trials");
        assertEquals(2, trials.size());
        for (JsonNode t : trials) {
            JsonNode summary = Json.parse(Files.readString(Path.of(java.net.URI.create(t.get("output_dir").asText())).resolve("summary.json")));
            assertEquals(summary.at("/validation/loss").asDouble(), t.get("held_out_loss").asDouble(), 0.0);
            assertTrue(summary.at("/validation/loss").asDouble() != summary.get("test_loss").asDouble());
        }
        assertTrue(trials.get(0).get("held_out_loss").asDouble() <= trials.get(1).get("held_out_loss").asDouble());
    }

    @Test
    void aGridKeyTheConfigDoesNotHaveIsOneLineNamingTheGridFile() throws Exception {
        Path grid = TestData.configFile(dir, "bad-grid.conf", "grid { \"optimizer.learning-rat\" = [0.1] }");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, search(grid, new ByteArrayOutputStream(), err));
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("spark-ddp: error: " + grid + ": optimizer.learning-rat: unknown key"),
                lines.get(0));
        assertTrue(!Files.exists(dir.resolve("job-search/search.json")), "a search.json was written");
    }

    @Test
    void randomSamplesDrawDistinctPointsOfTheGrid() throws Exception {
        Path grid = TestData.configFile(dir, "random.conf", "grid { \"optimizer.learning-rate\" = [0.1, 0.05, 0.01],"
                + " \"training.batch-size\" = [64, 128] }", "random { samples = 2, seed = 3 }");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, search(grid, new ByteArrayOutputStream(), err, "training.max-iterations=4"),
                err.toString(StandardCharsets.UTF_8));
        JsonNode trials = Json.parse(Files.readString(dir.resolve("job-search/search.json"))).get("trials");
        assertEquals(2, trials.size());
        assertTrue(!trials.get(0).get("settings").equals(trials.get(1).get("settings")));
    }
}
