package org.sparkddp.driver.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One trial of a search, as search.json records it.
 *
 * @param number       1-based, in the order the trials ran
 * @param settings     the trial's {@code key=value} settings
 * @param outputDir    where its model, metrics, summary and report are
 * @param heldOutLoss  the held-out loss of its model, or NaN when it diverged: on the validation set when every
 *                     trial of the search has one, else on data.test
 * @param accuracy     the held-out accuracy on the same set, or NaN when there is none
 * @param seconds      its wall time
 * @param failure      why it ended early, or null
 */
public record TrialResult(int number, List<String> settings, String outputDir, double heldOutLoss, double accuracy,
                          double seconds, String failure) {

    /** Best first: lowest held-out loss; diverged trials last, in their order. */
    public static List<TrialResult> ranked(List<TrialResult> trials) {
        List<TrialResult> sorted = new ArrayList<>(trials);
        sorted.sort(Comparator.comparingDouble((TrialResult t) -> Double.isNaN(t.heldOutLoss()) ? Double.MAX_VALUE
                : t.heldOutLoss()).thenComparingInt(TrialResult::number));
        return sorted;
    }

    Map<String, Object> json(int rank) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("rank", rank);
        row.put("trial", number);
        row.put("settings", settings);
        row.put("held_out_loss", Double.isFinite(heldOutLoss) ? heldOutLoss : null);
        row.put("held_out_accuracy", Double.isFinite(accuracy) ? accuracy : null);
        row.put("seconds", seconds);
        row.put("output_dir", outputDir);
        if (failure != null) {
            row.put("failure", failure);
        }
        return row;
    }

    String tableRow(int rank) {
        return String.format(Locale.ROOT, "%4d  %5d  %13s  %8s  %7.1f  %s", rank, number,
                Double.isFinite(heldOutLoss) ? String.format(Locale.ROOT, "%.4f", heldOutLoss) : "diverged",
                Double.isFinite(accuracy) ? String.format(Locale.ROOT, "%.4f", accuracy) : "-", seconds,
                String.join(", ", settings));
    }

    /** The console table, best first. */
    public static List<String> table(List<TrialResult> ranked) {
        List<String> lines = new ArrayList<>();
        lines.add("rank  trial  held-out loss  accuracy  seconds  settings");
        for (int i = 0; i < ranked.size(); i++) {
            lines.add(ranked.get(i).tableRow(i + 1));
        }
        return lines;
    }

    /**
     * search.json's document: the policy, the keys searched, and the trials best first.
     *
     * @param rankedOn the held-out set the losses are on: "validation" or "test"
     */
    public static Map<String, Object> document(List<String> keys, List<TrialResult> ranked, String rankedOn) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("policy", "sequential: each trial trains on every worker, one after another, in one Spark"
                + " application; ranked by the held-out loss of its model on the " + rankedOn + " set");
        doc.put("ranked_on", rankedOn);
        doc.put("keys", keys);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            rows.add(ranked.get(i).json(i + 1));
        }
        doc.put("trials", rows);
        return doc;
    }
}
