package org.sparkddp.driver.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.MetricsLog;
import org.sparkddp.driver.output.Summary;

/**
 * What a finished run left in its output directory, as the report reads it: the epoch and iteration lines of
 * {@code metrics.jsonl} and {@code summary.json}. Runs on the driver.
 *
 * @param epochs     one object per epoch, in order
 * @param iterations one object per logged window of iterations, in order
 * @param summary    the run's summary, with its resolved config and provenance
 */
record RunRecord(List<JsonNode> epochs, List<JsonNode> iterations, JsonNode summary) {

    static RunRecord read(String dir, Configuration hadoopConf) {
        String metricsFile = dir + "/" + MetricsLog.NAME;
        String summaryFile = dir + "/" + Summary.NAME;
        List<JsonNode> epochs = new ArrayList<>();
        List<JsonNode> iterations = new ArrayList<>();
        String[] lines = text(metricsFile, hadoopConf).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode line = parse(metricsFile + ":" + (i + 1), lines[i]);
            switch (line.path("type").asText()) {
                case "epoch" -> epochs.add(line);
                case "iteration" -> iterations.add(line);
                default -> { } // other records (stages) are not charted
            }
        }
        if (epochs.isEmpty()) {
            throw new InvalidDataException(metricsFile, "has no epoch line: the run ended before its first epoch");
        }
        return new RunRecord(epochs, iterations, parse(summaryFile, text(summaryFile, hadoopConf)));
    }

    private static String text(String file, Configuration hadoopConf) {
        return HadoopFiles.read(file, hadoopConf, in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    private static JsonNode parse(String where, String json) {
        try {
            return Json.parse(json);
        } catch (IllegalStateException e) {
            throw new InvalidDataException(where, "is not valid JSON");
        }
    }

    /** The held-out loss's key in the epoch lines: {@code test_loss}, or {@code test_mse} for real targets. */
    String heldOutLossKey() {
        JsonNode first = epochs.get(0);
        return first.has("test_loss") ? "test_loss" : "test_mse";
    }
}
