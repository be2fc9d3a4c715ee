package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run as a user starts it ({@code deploy/spark-ddp train}), with the metrics plugin and Spark's
 * Prometheus servlet on, watched through the driver's UI over HTTP while it trains: the run's gauges are there with
 * sane values, and Spark's REST API lists the run's jobs under its group with their descriptions. The fetches are
 * triggered by the run's own progress lines, never by a sleep.
 */
@Tag("slow")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MetricsEndpointTest {
    private static final String PLUGIN = "org.sparkddp.driver.spark.TrainingMetricsPlugin";
    /** PrometheusServlet's line for a gauge: metrics_[namespace]_driver_plugin_[class]_[name]_Value{type="gauges"}. */
    private static final Pattern GAUGE = Pattern.compile("(?m)^metrics_\\w+?_driver_plugin_"
            + PLUGIN.replace('.', '_') + "_(\\w+)_Value\\{type=\"gauges\"\\} (\\S+)$");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    @TempDir
    Path dir;

    @Test
    void theDriversUiServesTheRunsGaugesAndItsJobsDescriptionsWhileItTrains() throws Exception {
        int port = freeLoopbackPort();
        // 125 iterations an epoch (batch 16), in stages of 10: the gauges have moved by the first progress line.
        ChildRun run = ChildRun.start(ChildRun.shortLauncher(TestData.commandLine("train", List.of(
                "data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST, "output.dir=" + dir.resolve("out"),
                "spark.master=local[2]", "training.epochs=3", "training.batch-size=16",
                "training.iterations-per-stage=10", "output.progress-every=0s", "spark.executor.heartbeatInterval=1s",
                // The UI on the loopback (deploy/spark-ddp sets SPARK_LOCAL_IP=127.0.0.1), on a port of our choosing.
                "spark.ui.enabled=true", "spark.ui.port=" + port, "spark.plugins=" + PLUGIN,
                // HOCON needs the instance wildcard quoted.
                "spark.metrics.conf.\"*\".sink.prometheusServlet.class=org.apache.spark.metrics.sink.PrometheusServlet",
                "spark.metrics.conf.\"*\".sink.prometheusServlet.path=/metrics/prometheus"))), dir, "metrics");
        try {
            // Past epoch 1's end: its stages and its evaluation have run, and two epochs are still to go.
            run.awaitIteration(135, Duration.ofMinutes(3));
            String base = "http://127.0.0.1:" + port;
            Map<String, Double> gauges = gauges(get(base + "/metrics/prometheus"));

            assertEquals(Map.of(), missing(gauges), "gauges: " + gauges);
            assertTrue(gauges.get("iteration") >= 130, "gauges: " + gauges);
            assertTrue(gauges.get("epoch") >= 2 && gauges.get("epoch") <= 3, "gauges: " + gauges);
            double loss = gauges.get("loss");
            assertTrue(Double.isFinite(loss) && loss > 0 && loss < 10, "gauges: " + gauges);
            assertEquals(2.0, gauges.get("workers"), "gauges: " + gauges);
            assertEquals(0.0, gauges.get("retries"), "gauges: " + gauges);
            assertTrue(gauges.get("stages") >= 13, "13 stages make epoch 1: " + gauges);
            assertTrue(gauges.get("samplesPerSecond") > 0, "gauges: " + gauges);
            assertTrue(gauges.get("computeMs") > 0 && gauges.get("syncMs") >= 0, "gauges: " + gauges);

            ObjectMapper json = new ObjectMapper();
            String app = json.readTree(get(base + "/api/v1/applications")).get(0).path("id").asText();
            JsonNode jobs = json.readTree(get(base + "/api/v1/applications/" + app + "/jobs"));
            String group = jobs.get(0).path("jobGroup").asText();
            assertTrue(group.matches("spark-ddp-[0-9a-f-]{36}"), jobs.toString());
            int stages = 0;
            boolean evaluated = false;
            for (JsonNode job : jobs) {
                String description = job.path("description").asText();
                assertEquals(group, job.path("jobGroup").asText(), description);
                assertTrue(description.startsWith("spark-ddp train · "), description);
                stages += description.matches("spark-ddp train · epoch \\d/3 · iterations \\d+–\\d+ · stage \\d+ · sync"
                        + " · 2 workers") ? 1 : 0;
                evaluated |= description.equals("spark-ddp train · epoch 1/3 · evaluate");
            }
            assertTrue(stages >= 13 && evaluated, jobs.toString());
            run.awaitSuccess(Duration.ofMinutes(3));
        } finally {
            run.process().destroyForcibly();
        }
    }

    private static Map<String, Double> gauges(String prometheus) {
        Map<String, Double> found = new HashMap<>();
        Matcher m = GAUGE.matcher(prometheus);
        while (m.find()) {
            found.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return found;
    }

    private static Map<String, String> missing(Map<String, Double> gauges) {
        Map<String, String> missing = new HashMap<>();
        for (String name : List.of("iteration", "epoch", "loss", "samplesPerSecond", "computeMs", "syncMs", "workers",
                "retries", "stages")) {
            if (!gauges.containsKey(name)) {
                missing.put(name, "absent");
            }
        }
        return missing;
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url + ": " + response.body());
        return response.body();
    }

    /**
     * A port nobody listens on now. NOTE: should another process take it before the child binds it, Spark's UI moves
     * to the next port and the fetch fails, naming the port.
     */
    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
