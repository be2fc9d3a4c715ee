package org.sparkddp.driver.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.OutputDirectory;

/**
 * {@code report.html}: one self-contained page (charts embedded as PNG data, no scripts, nothing fetched) that
 * shows a finished run: the training and held-out loss per epoch on one chart, accuracy, throughput over time,
 * compute vs synchronization time, the confusion matrix as a table of shaded counts, and the resolved config and
 * provenance. Written at the end of every run and by {@code spark-ddp report DIR}. Runs on the driver.
 */
public final class TrainingReport {
    public static final String NAME = "report.html";

    private TrainingReport() {
    }

    /** Reads the run's metrics and summary from {@code dir} and writes the page there, whole or not at all. */
    public static void write(OutputDirectory dir, Configuration hadoopConf) throws IOException {
        RunRecord run = RunRecord.read(dir.location(), hadoopConf);
        String page = page(run, ReportCharts.draw(run));
        dir.writeAtomically(NAME, out -> out.write(page.getBytes(StandardCharsets.UTF_8)));
    }

    static String page(RunRecord run, Map<String, byte[]> charts) {
        JsonNode s = run.summary();
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>spark-ddp report</title><style>")
                .append("body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}")
                .append("img{display:block;margin:1em 0;max-width:100%}table{border-collapse:collapse}")
                .append("td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}")
                .append("pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}")
                .append("table.confusion td{text-align:right;border:1px solid #ccc;min-width:2.6em;padding:2px 6px}")
                .append("table.confusion th{text-align:center;padding:2px 6px}.note{font-size:13px;color:#555}</style></head><body>\n")
                .append("<h1>spark-ddp training report</h1>\n<table>\n");
        for (String[] row : SummaryRows.of(s)) {
            html.append("<tr><th>").append(escape(row[0])).append("</th><td>").append(escape(row[1]))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<p>Held-out figures are on <code>data.test</code>, evaluated after every epoch.</p>\n");
        JsonNode validation = s.path("validation");
        if (!validation.isMissingNode()) {
            html.append("<p>Validation (").append(escape(validation.path("source").asText())).append(", ")
                    .append(Figures.count(validation.path("examples").asLong())).append(" examples): lowest loss after epoch ")
                    .append(validation.path("best_epoch").asText())
                    .append(validation.path("stopped_early").asBoolean() ? "; training stopped early" : "")
                    .append("; the saved model is epoch ").append(validation.path("model_epoch").asText())
                    .append("'s.</p>\n");
        }
        for (Map.Entry<String, byte[]> chart : charts.entrySet()) {
            html.append("<h2>").append(escape(chart.getKey())).append("</h2>\n<img alt=\"")
                    .append(escape(chart.getKey())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(chart.getValue())).append("\">\n");
            if (chart.getKey().equals("Throughput over time")) {
                html.append("<p class=\"note\">Samples/s over each logged window of iterations. The line breaks"
                        + " between epochs, where the held-out evaluation runs");
                if (!run.retries().isEmpty()) {
                    html.append(", and where ").append(run.retries().size() == 1 ? "a stage"
                            : run.retries().size() + " stages").append(" failed and ran again (the failed attempts'"
                            + " time is left empty)");
                }
                html.append("; a change of the worker count starts a new line too.</p>\n");
            }
        }
        if (s.has("confusion_matrix")) {
            html.append("<h2>Confusion matrix (held-out)</h2>\n").append(ConfusionTable.html(s.get("confusion_matrix")));
        }
        html.append("<h2>Provenance</h2>\n<table>\n");
        String[][] provenance = {{"version", "version"}, {"started_at", "started"}, {"spark_master", "Spark master"},
            {"seed", "seed"}};
        for (String[] key : provenance) {
            if (s.has(key[0])) {
                String value = s.get(key[0]).asText();
                html.append("<tr><th>").append(key[1]).append("</th><td>")
                        .append(escape(key[0].equals("started_at") ? startedAt(value) : value)).append("</td></tr>\n");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("data").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            html.append("<tr><th>data.").append(escape(e.getKey())).append("</th><td>")
                    .append(escape(e.getValue().asText())).append("</td></tr>\n");
        }
        html.append("</table>\n<h2>Resolved config</h2>\n<pre>")
                .append(escape(Json.pretty(s.path("config")))).append("</pre>\n</body></html>\n");
        return html.toString();
    }

    /** 2026-12-07T08:35:03.111714578Z as 2026-12-07 08:35:03 UTC; anything else as written. */
    private static String startedAt(String instant) {
        try {
            return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'")
                    .format(java.time.Instant.parse(instant).atZone(java.time.ZoneOffset.UTC));
        } catch (java.time.format.DateTimeParseException e) {
            return instant;
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
