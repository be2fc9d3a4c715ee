package org.sparkddp.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.sparkddp.driver.output.Json;

/**
 * Reads what {@code deploy/torch-peer.py} prints: one JSON object per line, each with a {@code kind}
 * ({@code info}, {@code throughput}, {@code evaluation}, {@code time_to_accuracy}); any other line is ignored. Pure
 * parsing, apart so that it is tested on its own. Runs on the benchmark's driver.
 */
final class PeerLines {
    private PeerLines() {
    }

    /**
     * The last line of this kind.
     *
     * @throws IllegalArgumentException when a line that starts with '{' is not JSON (naming the line)
     */
    static Optional<JsonNode> last(String output, String kind) {
        JsonNode found = null;
        for (String line : output.lines().map(String::strip).toList()) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode node;
            try {
                node = Json.parse(line);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("torch-peer.py printed a line that is not JSON: " + line, e);
            }
            if (kind.equals(node.path("kind").asText())) {
                found = node;
            }
        }
        return Optional.ofNullable(found);
    }

    /** A numeric field, or NaN when it is missing or null (the peer prints null for "not reached"). */
    static double number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || !value.isNumber() ? Double.NaN : value.asDouble();
    }
}
