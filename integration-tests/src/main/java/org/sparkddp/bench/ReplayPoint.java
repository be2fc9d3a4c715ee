package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.ScalingPlan.Placement;
import org.sparkddp.common.config.WireFormat;
import org.sparkddp.driver.output.Json;

/**
 * One replay {@code deploy/bench scaling} measured: a model's step replayed in one mode on one configuration, with one
 * wire; the median over steps of the slowest rank's step time. Read from the ranks' {@code REPLAY} lines; runs in the
 * benchmark's parent JVM.
 */
record ReplayPoint(Algorithm algorithm, Placement placement, String model, WireFormat wire, ReplayRun.Mode mode,
                   int steps, double medianMs) {

    /** Every replay in the ranks' logs, in the order rank 0 printed them. */
    static List<ReplayPoint> fromLogs(Algorithm algorithm, Placement p, List<Path> logs) throws IOException {
        Map<String, List<JsonNode>> byReplay = new LinkedHashMap<>();
        Map<String, JsonNode> first = new LinkedHashMap<>();
        for (Path log : logs) {
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("REPLAY ")) {
                    JsonNode j = Json.parse(line.substring("REPLAY ".length()));
                    String key = j.get("model").asText() + "/" + j.get("wire").asText() + "/" + j.get("mode").asText();
                    byReplay.computeIfAbsent(key, k -> new ArrayList<>()).add(j.get("times_ms"));
                    first.putIfAbsent(key, j);
                }
            }
        }
        List<ReplayPoint> points = new ArrayList<>();
        for (var e : byReplay.entrySet()) {
            if (e.getValue().size() != logs.size()) {
                throw new IllegalStateException("replay " + e.getKey() + ": " + e.getValue().size() + " of "
                        + logs.size() + " ranks printed it");
            }
            JsonNode j = first.get(e.getKey());
            int steps = j.get("times_ms").size();
            points.add(new ReplayPoint(algorithm, p, j.get("model").asText(), WireFormat.valueOf(j.get("wire").asText()),
                    ReplayRun.Mode.valueOf(j.get("mode").asText()), steps,
                    MeasuredPoint.slowestMedian(e.getValue(), steps)));
        }
        return points;
    }
}
