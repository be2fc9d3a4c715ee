package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The training rate between two {@code iteration} lines of {@code metrics.jsonl} in one epoch (the time between
 * epochs is evaluation): pure arithmetic, apart so that it is tested on its own. Runs on the benchmark's driver.
 */
final class SteadyRate {
    private SteadyRate() {
    }

    /**
     * @param metrics parsed {@code metrics.jsonl} lines
     * @param skip    iterations to leave out at the start (warm-up)
     * @param batch   examples per iteration
     * @return samples/s from the first iteration line at or past {@code skip} to the last one of the same epoch;
     *     NaN when fewer than two such lines exist
     */
    static double of(List<JsonNode> metrics, int skip, int batch) {
        JsonNode first = null;
        JsonNode last = null;
        for (JsonNode m : metrics) {
            if (!m.path("type").asText().equals("iteration") || m.path("iteration").asLong() < skip
                    || (first != null && m.path("epoch").asInt() != first.path("epoch").asInt())) {
                continue;
            }
            if (first == null) {
                first = m;
            }
            last = m;
        }
        if (first == null || last == first) {
            return Double.NaN;
        }
        long iterations = last.get("iteration").asLong() - first.get("iteration").asLong();
        double seconds = last.get("elapsed_seconds").asDouble() - first.get("elapsed_seconds").asDouble();
        return seconds <= 0 ? Double.NaN : iterations * (double) batch / seconds;
    }
}
