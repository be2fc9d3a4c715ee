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
 * @param retries    one object per stage whose successful attempt was not its first ({@code "type":"retry"}): the
 *                   failed attempts' time is a gap in the iteration lines
 * @param summary    the run's summary, with its resolved config and provenance
 */
record RunRecord(List<JsonNode> epochs, List<JsonNode> iterations, List<JsonNode> retries, JsonNode summary) {

    static RunRecord read(String dir, Configuration hadoopConf) {
        String metricsFile = dir + "/" + MetricsLog.NAME;
        String summaryFile = dir + "/" + Summary.NAME;
        List<JsonNode> epochs = new ArrayList<>();
        List<JsonNode> iterations = new ArrayList<>();
        List<JsonNode> retries = new ArrayList<>();
        String[] lines = text(metricsFile, hadoopConf).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode line = parse(metricsFile + ":" + (i + 1), lines[i]);
            switch (line.path("type").asText()) {
                case "epoch" -> epochs.add(line);
                case "iteration" -> iterations.add(line);
                case "retry" -> retries.add(line);
                default -> { } // other records are not charted
            }
        }
        if (epochs.isEmpty()) {
            throw new InvalidDataException(metricsFile, "has no epoch line: the run ended before its first epoch");
        }
        return new RunRecord(epochs, iterations, retries, parse(summaryFile, text(summaryFile, hadoopConf)));
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

    /**
     * The iteration lines cut where training did not run on continuously, so that a chart draws no line across the
     * cut: between epochs (the held-out evaluation runs there), before the first line after a failed stage attempt
     * (a retry record whose iteration falls after the previous line), where the worker count changed (a resize), and
     * where the elapsed time goes back (a resumed run, whose clock starts again at 0).
     */
    List<List<JsonNode>> segments() {
        return segments(true);
    }

    /** @param atEpochs whether an epoch's end cuts too: not for the worker count, which holds across it */
    List<List<JsonNode>> segments(boolean atEpochs) {
        List<List<JsonNode>> segments = new ArrayList<>();
        List<JsonNode> current = new ArrayList<>();
        JsonNode previous = null;
        for (JsonNode line : iterations) {
            if (previous != null && interrupted(previous, line, atEpochs)) {
                segments.add(current);
                current = new ArrayList<>();
            }
            current.add(line);
            previous = line;
        }
        if (!current.isEmpty()) {
            segments.add(current);
        }
        return segments;
    }

    private boolean interrupted(JsonNode previous, JsonNode next, boolean atEpochs) {
        long from = previous.path("iteration").asLong();
        long to = next.path("iteration").asLong();
        // A retry's "iteration" is the first iteration its stage did again: one after the last one done before.
        boolean retried = retries.stream().mapToLong(r -> r.path("iteration").asLong()).anyMatch(i -> i > from && i <= to);
        return retried || atEpochs && previous.path("epoch").asInt() != next.path("epoch").asInt()
                || previous.path("workers").asInt() != next.path("workers").asInt()
                || next.path("elapsed_seconds").asDouble() < previous.path("elapsed_seconds").asDouble();
    }

    /** The held-out loss's key in the epoch lines: {@code test_loss}, or {@code test_mse} for real targets. */
    String heldOutLossKey() {
        JsonNode first = epochs.get(0);
        return first.has("test_loss") ? "test_loss" : "test_mse";
    }
}
