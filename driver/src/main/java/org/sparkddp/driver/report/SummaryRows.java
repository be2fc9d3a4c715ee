package org.sparkddp.driver.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The report's table of figures: summary.json's keys as a person reads them, each with its unit and rounding
 * ({@link Figures}), and the worker count as the run had it at the start and at the end. Runs on the driver.
 */
final class SummaryRows {
    private SummaryRows() {
    }

    /** Label and text of each row, in order; keys the summary lacks are left out. */
    static List<String[]> of(JsonNode s) {
        List<String[]> rows = new ArrayList<>();
        add(rows, s, "test_accuracy", "test accuracy", n -> Figures.metric(n.asDouble()));
        add(rows, s, "test_loss", "test loss", n -> Figures.metric(n.asDouble()));
        add(rows, s, "test_mse", "test MSE", n -> Figures.metric(n.asDouble()));
        add(rows, s, "train_loss", "training loss (last epoch)", n -> Figures.metric(n.asDouble()));
        add(rows, s, "epochs", "epochs", n -> Figures.count(n.asLong()));
        add(rows, s, "iterations", "iterations", n -> Figures.count(n.asLong()));
        if (s.has("workers") || s.has("final_workers")) {
            rows.add(new String[] {"workers", workers(s)});
        }
        add(rows, s, "mode", "mode", JsonNode::asText);
        add(rows, s, "batch_size", "global batch", n -> Figures.count(n.asLong()));
        add(rows, s, "samples_per_second", "throughput", n -> Figures.perSecond(n.asDouble(), "samples"));
        add(rows, s, "compute_ms_per_iteration", "compute per iteration", n -> Figures.millis(n.asDouble()));
        add(rows, s, "sync_ms_per_iteration", "synchronization per iteration", n -> Figures.millis(n.asDouble()));
        add(rows, s, "train_seconds", "training time", n -> Figures.seconds(n.asDouble()));
        add(rows, s, "wall_seconds", "wall time", n -> Figures.seconds(n.asDouble()));
        add(rows, s, "parameters", "parameters", n -> Figures.count(n.asLong()));
        add(rows, s, "train_examples", "training examples", n -> Figures.count(n.asLong()));
        add(rows, s, "test_examples", "test examples", n -> Figures.count(n.asLong()));
        add(rows, s, "stage_retries", "stage retries", n -> retries(s));
        add(rows, s, "best_epoch", "best epoch (validation)", n -> Figures.count(n.asLong()));
        return rows;
    }

    private static void add(List<String[]> rows, JsonNode s, String key, String label, Function<JsonNode, String> text) {
        if (s.has(key)) {
            rows.add(new String[] {label, text.apply(s.get(key))});
        }
    }

    /**
     * {@code 2}, or for an elastic run whose count changed {@code 2 at the start, 1 at the end: 2 → 1 at iteration
     * 481 (epoch 2, executors lost)}. summary.json's {@code workers} is the configured count; the first stage ran
     * on the first resize's target when the cluster had fewer slots at the start, else on its source.
     */
    static String workers(JsonNode s) {
        JsonNode resizes = s.path("resizes");
        int last = s.has("final_workers") ? s.path("final_workers").asInt() : s.path("workers").asInt();
        if (!resizes.isArray() || resizes.isEmpty()) {
            return Figures.count(last);
        }
        JsonNode first = resizes.get(0);
        boolean sizedAtStart = first.path("reason").asText().equals("start");
        int initial = sizedAtStart ? first.path("to").asInt() : first.path("from").asInt();
        StringBuilder text = new StringBuilder();
        text.append(Figures.count(initial)).append(" at the start, ").append(Figures.count(last)).append(" at the end");
        List<String> changes = new ArrayList<>();
        for (JsonNode r : resizes) {
            if (r.path("reason").asText().equals("start")) {
                continue; // the start's count is already said
            }
            changes.add(r.path("from").asInt() + " → " + r.path("to").asInt() + " at iteration "
                    + Figures.count(r.path("iteration").asLong()) + " (epoch " + r.path("epoch").asInt() + ", "
                    + reason(r.path("reason").asText()) + ")");
        }
        if (!changes.isEmpty()) {
            text.append(": ").append(String.join("; ", changes));
        }
        if (sizedAtStart) {
            text.append(" (training.workers is ").append(s.path("workers").asInt())
                    .append("; the cluster had fewer task slots at the start)");
        }
        return text.toString();
    }

    private static String reason(String key) {
        return switch (key) {
            case "lost" -> "executors lost";
            case "grown" -> "executors joined";
            default -> key;
        };
    }

    /** {@code 0}, or {@code 1 (5.9 s in failed attempts, 40 iterations done again)}. */
    private static String retries(JsonNode s) {
        long retries = s.path("stage_retries").asLong();
        if (retries == 0) {
            return "0";
        }
        return Figures.count(retries) + " (" + Figures.seconds(s.path("failed_attempt_seconds").asDouble())
                + " in failed attempts, at least " + Figures.count(s.path("iterations_redone").asLong())
                + " iterations done again)";
    }
}
