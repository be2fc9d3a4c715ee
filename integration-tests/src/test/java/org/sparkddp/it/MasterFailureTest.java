package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The standalone master's failure paths, on a real authenticated cluster ({@link LocalCluster}): each ends the
 * run with a non-zero exit, in a bounded time, with one {@code spark-ddp:} line that names the master and what
 * to check, instead of Spark's 60 s of registration retries and a driver parked for ever.
 */
@Tag("slow")
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class MasterFailureTest extends StandaloneClusterTest {
    private List<String> train(String master, String... more) {
        List<String> settings = new java.util.ArrayList<>(List.of("data.train=" + TestData.TRAIN,
                "data.test=" + TestData.TEST, "output.dir=" + dir.resolve("out-" + System.nanoTime()),
                "spark.master=" + master, "spark.ui.enabled=false"));
        settings.addAll(List.of(more));
        return TestData.commandLine("train", settings);
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    /** The launcher runs without the cluster's secret: the master never registers the application. */
    @Test
    void aJobWithoutTheSecretFailsWithinTheStartBoundNamingTheMasterAndTheSecret() throws Exception {
        String master = cluster.masterUrl();
        ProcessBuilder launcher = ChildRun.launcher(train(master, "training.max-iterations=5")).directory(dir.toFile());
        // It waits for a registration that never comes, and trains nothing: the drivers' short-lived JVM options.
        launcher.environment().put("SPARK_DDP_JAVA_OPTS", TestData.SHORT_JVM_OPTIONS);
        ChildRun run = ChildRun.start(launcher, dir, "no-secret");
        assertTrue(run.process().waitFor(90, TimeUnit.SECONDS), "still running after 90 s:\n" + run.output());
        double seconds = (System.nanoTime() - run.startNanos()) / 1e9;
        String err = Files.readString(run.stderr(), StandardCharsets.UTF_8);
        assertNotEquals(0, run.process().exitValue(), err);
        // Ended by our start bound, before Spark's own 60 s of registration retries gave up: told by the lines, not
        // by the clock, since a loaded machine's JVM start alone can take a good part of a minute.
        assertFalse(err.contains("All masters are unresponsive"), err);
        String line = lastLine(err);
        assertEquals("spark-ddp: error: the Spark master " + master + " did not register the application within 30"
                + " s; check that " + master + " is the master's URL and that the master runs, and that the job has"
                + " the cluster's secret (spark.authenticate=true and spark.authenticate.secret, as in the cluster's"
                + " spark-defaults.conf; deploy/local-cluster submit passes it)", line);
        System.out.printf("no secret: exit %d after %.1f s%n", run.process().exitValue(), seconds);
    }

    /** The application is killed from the master's UI mid-training: the driver exits at once, with one line. */
    @Test
    void anApplicationKilledUnderTheRunEndsItPromptly() throws Exception {
        String master = cluster.masterUrl();
        ChildRun run = ChildRun.start(cluster.shortJobCommand(List.of(), train(master, "training.epochs=1000")),
                dir, "killed");
        try {
            run.awaitLine("epoch 1/", Duration.ofMinutes(3));
            int ui = cluster.masterUiPort();
            String app = activeApplication(ui);
            long killed = System.nanoTime();
            HttpURLConnection kill = (HttpURLConnection) URI.create("http://127.0.0.1:" + ui + "/app/kill/?id=" + app
                    + "&terminate=true").toURL().openConnection();
            kill.setRequestMethod("POST");
            kill.setInstanceFollowRedirects(false);
            assertTrue(kill.getResponseCode() < 400, "kill: HTTP " + kill.getResponseCode());
            assertTrue(run.process().waitFor(60, TimeUnit.SECONDS), "still running 60 s after the kill:\n"
                    + run.output());
            double seconds = (System.nanoTime() - killed) / 1e9;
            String err = Files.readString(run.stderr(), StandardCharsets.UTF_8);
            assertNotEquals(0, run.process().exitValue(), err);
            List<String> ours = err.lines().filter(l -> l.startsWith("spark-ddp:")).toList();
            assertEquals(List.of("spark-ddp: error: Spark stopped the SparkContext under the run: the cluster manager"
                    + " of " + master + " ended the application (killed from the master's UI, or the master gave up"
                    + " on it); Spark's reason is the driver log's 'Application has been killed' line"), ours);
            // Promptly rather than parked for ever: the 60 s bound above, which no machine's speed comes near.
            // Nothing waited on the stopped context: no stage was resubmitted, no task slot awaited.
            assertFalse(err.contains("resubmitting it from the same state"), err);
            System.out.printf("killed application: exit %d %.1f s after the kill%n", run.process().exitValue(),
                    seconds);
        } finally {
            run.process().destroyForcibly();
        }
    }

    /** The one running application's id, from the master's JSON status page. */
    private static String activeApplication(int uiPort) throws IOException {
        String json = new String(URI.create("http://127.0.0.1:" + uiPort + "/json/").toURL().openStream()
                .readAllBytes(), StandardCharsets.UTF_8);
        int from = json.indexOf("\"activeapps\"");
        Matcher active = Pattern.compile("\"id\"\\s*:\\s*\"(app-[^\"]+)\"").matcher(json);
        assertTrue(from >= 0 && active.find(from), "no active application:\n" + json);
        return active.group(1);
    }
}
