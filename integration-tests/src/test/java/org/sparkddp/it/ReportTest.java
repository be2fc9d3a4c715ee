package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.driver.Main;

/**
 * report.html of a short run: every chart is there and drawn, and headless Chromium (Debian's chromium, which
 * deploy/test installs) opens the page without an error and renders it, as a person would.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReportTest {
    private static final Pattern IMAGE = Pattern.compile("<img alt=\"([^\"]+)\" src=\"data:image/png;base64,([^\"]+)\">");

    @TempDir
    Path dir;

    private static int run(List<String> argv, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return Main.run(argv.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aRunWritesAReportWithEveryChartThatChromiumRendersWithoutErrors() throws Exception {
        Path out = dir.resolve("run");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // The master as spark-submit gives it (a system property), not in the config: the config's default,
        // local[*], must not be what the report says the run ran on.
        String master = System.getProperty("spark.master");
        System.setProperty("spark.master", "local[2]");
        try {
            assertEquals(0, run(TestData.commandLine("train", List.of("data.train=" + TestData.TRAIN, "data.test="
                    + TestData.TEST, "output.dir=" + out, "spark.ui.enabled=false", "training.epochs=3",
                    "output.log-every=4")), console, err), err.toString(StandardCharsets.UTF_8));
        } finally {
            if (master == null) {
                System.clearProperty("spark.master");
            } else {
                System.setProperty("spark.master", master);
            }
        }
        assertTrue(console.toString(StandardCharsets.UTF_8).contains("summary.json, report.html}"), console.toString());
        String html = Files.readString(out.resolve("report.html"));

        // Every chart, each a PNG that decodes to a drawn picture (not one flat colour).
        List<String> titles = new ArrayList<>();
        Matcher m = IMAGE.matcher(html);
        while (m.find()) {
            titles.add(m.group(1));
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(2))));
            assertTrue(image != null && image.getWidth() >= 600 && image.getHeight() >= 300, m.group(1));
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < image.getHeight(); y += 3) {
                for (int x = 0; x < image.getWidth(); x += 3) {
                    colours.add(image.getRGB(x, y));
                }
            }
            assertTrue(colours.size() > 20, m.group(1) + " has only " + colours.size() + " colours");
        }
        assertEquals(List.of("Loss per epoch: training vs held-out", "Held-out accuracy per epoch",
                "Throughput over time", "Compute vs synchronization per iteration"), titles);
        assertTrue(html.contains("&quot;model&quot;"), "the resolved config is on the page");

        // The figures a person reads: rounded, with units; no double printed in full.
        String figures = html.substring(0, html.indexOf("<h2>"));
        assertFalse(Pattern.compile("\\d\\.\\d{5,}").matcher(figures).find(), "a figure at full precision: " + figures);
        assertTrue(Pattern.compile("<th>throughput</th><td>[0-9,]+ samples/s</td>").matcher(figures).find(), figures);
        assertTrue(Pattern.compile("<th>test accuracy</th><td>0\\.\\d{4}</td>").matcher(figures).find(), figures);
        assertTrue(Pattern.compile("<th>training time</th><td>[0-9.]+ s</td>").matcher(figures).find(), figures);
        assertTrue(figures.contains("<th>workers</th><td>2</td>"), figures);
        // The confusion matrix: a table with every count printed and shaded.
        Matcher cell = Pattern.compile("<td style=\"background:#[0-9a-f]{6};[^\"]*\">[0-9,]+</td>").matcher(html);
        int cells = 0;
        while (cell.find()) {
            cells++;
        }
        assertEquals(100, cells, "10 x 10 shaded cells with their counts");
        // The resolved config as the run had it: --set values typed, the master the job ran on.
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("summary.json").toFile());
        assertTrue(summary.at("/config/training/epochs").isInt(), summary.at("/config/training").toString());
        assertEquals(3, summary.at("/config/training/epochs").asInt());
        assertTrue(summary.at("/config/output/log-every").isInt());
        assertEquals("local[2]", summary.path("spark_master").asText());
        assertEquals("local[2]", summary.at("/config/spark/master").asText());
        assertTrue(html.contains("&quot;epochs&quot; : 3,") || html.contains("&quot;epochs&quot; : 3\n"),
                "the page's config shows the number 3");
        assertTrue(html.contains("&quot;master&quot; : &quot;local[2]&quot;"), "the page's config shows the real master");
        assertFalse(html.contains("src=\"http") || html.contains("<script"), "the page is self-contained");

        // As a person would: headless Chromium opens it; no console error, no failed load, and it renders.
        Path screenshot = dir.resolve("report.png");
        Process chromium = new ProcessBuilder("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--enable-logging=stderr", "--v=0", "--window-size=900,3000", "--screenshot=" + screenshot,
                out.resolve("report.html").toUri().toString()).redirectErrorStream(true).start();
        String log = new String(chromium.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(chromium.waitFor(2, TimeUnit.MINUTES), "chromium did not finish");
        assertEquals(0, chromium.exitValue(), log);
        for (String line : log.lines().toList()) {
            assertFalse(line.contains(":CONSOLE(") || line.contains("net::ERR_") || line.contains("Uncaught"),
                    "the page logged an error: " + line);
        }
        BufferedImage page = ImageIO.read(screenshot.toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < page.getHeight(); y += 4) {
            for (int x = 0; x < page.getWidth(); x += 4) {
                colours.add(page.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 50, "the rendered page has only " + colours.size() + " colours");

        // On demand, the same page again; a directory that is no run is one line and exit 2.
        Files.delete(out.resolve("report.html"));
        assertEquals(0, run(List.of("report", out.toString()), new ByteArrayOutputStream(), err));
        assertTrue(Files.size(out.resolve("report.html")) > 10_000);
        ByteArrayOutputStream bad = new ByteArrayOutputStream();
        assertEquals(Main.INVALID_INPUT, run(List.of("report", dir.resolve("nothing").toString()),
                new ByteArrayOutputStream(), bad));
        assertEquals(List.of("spark-ddp: error: file:" + dir.resolve("nothing") + "/metrics.jsonl: no such file"),
                bad.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
