package org.sparkddp.driver.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/**
 * The confusion matrix as an HTML table: every count printed in its cell, and the cell shaded on a logarithmic
 * scale, from white for 0 to dark blue for the largest count. A linear scale gives the diagonal (hundreds or
 * thousands) all the colour and leaves the confusions a person looks for (tens, a hundred) the shade of 0; on
 * log(1 + count) a single example is already visibly shaded and 131 sits well between 0 and 900. Runs on the driver.
 */
final class ConfusionTable {
    /** ColorBrewer's sequential "Blues", light to dark: readable on screen and in greyscale print. */
    private static final int[][] BLUES = {{255, 255, 255}, {222, 235, 247}, {198, 219, 239}, {158, 202, 225},
        {107, 174, 214}, {66, 146, 198}, {33, 113, 181}, {8, 81, 156}, {8, 48, 107}};

    private ConfusionTable() {
    }

    /** Rows are the true class, columns the predicted class, as summary.json's {@code confusion_matrix}. */
    static String html(JsonNode matrix) {
        long max = 0;
        for (JsonNode row : matrix) {
            for (JsonNode cell : row) {
                max = Math.max(max, cell.asLong());
            }
        }
        StringBuilder html = new StringBuilder("<p>Rows: the true class; columns: the class predicted.</p>\n"
                + "<table class=\"confusion\">\n<tr><th></th>");
        for (int predicted = 0; predicted < matrix.get(0).size(); predicted++) {
            html.append("<th>").append(predicted).append("</th>");
        }
        html.append("<th>correct</th></tr>\n");
        for (int truth = 0; truth < matrix.size(); truth++) {
            JsonNode row = matrix.get(truth);
            html.append("<tr><th>").append(truth).append("</th>");
            long total = 0;
            for (int predicted = 0; predicted < row.size(); predicted++) {
                long count = row.get(predicted).asLong();
                total += count;
                html.append(cell(count, max, predicted == truth));
            }
            long correct = truth < row.size() ? row.get(truth).asLong() : 0;
            html.append("<td>").append(total == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * correct / total))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<p class=\"note\">Each cell is the number of held-out examples of its row's class that"
                + " the model predicted as its column's class; the shade is on a logarithmic scale, white for 0 and"
                + " darkest for ").append(Figures.count(max)).append(". The diagonal holds the correct predictions.</p>\n");
        return html.toString();
    }

    private static String cell(long count, long max, boolean diagonal) {
        int[] rgb = shade(count, max);
        // Dark cells get white text: black on the darkest blues would be unreadable.
        boolean dark = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] < 140;
        return String.format(Locale.ROOT, "<td style=\"background:#%02x%02x%02x;color:%s%s\">%s</td>", rgb[0], rgb[1],
                rgb[2], dark ? "#fff" : "#222", diagonal ? ";outline:2px solid #222;outline-offset:-2px" : "",
                Figures.count(count));
    }

    /** The cell's colour: log(1 + count) / log(1 + max) along {@link #BLUES}, interpolated between its stops. */
    static int[] shade(long count, long max) {
        double t = max <= 0 ? 0 : Math.log1p(count) / Math.log1p(max);
        double position = t * (BLUES.length - 1);
        int low = (int) Math.floor(position);
        int high = Math.min(low + 1, BLUES.length - 1);
        double f = position - low;
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) {
            rgb[c] = (int) Math.round(BLUES[low][c] + f * (BLUES[high][c] - BLUES[low][c]));
        }
        return rgb;
    }
}
