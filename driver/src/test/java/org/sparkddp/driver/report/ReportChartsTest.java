package org.sparkddp.driver.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Axis;
import org.knowm.xchart.internal.chartpart.AxisPair;
import org.knowm.xchart.internal.chartpart.Chart;

/** Which charts a run gets, and what a person sees in them: gaps where training stopped, whole-number counts. */
class ReportChartsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode node(String json) throws Exception {
        return JSON.readTree(json);
    }

    private static List<JsonNode> epochs(int count) throws Exception {
        List<JsonNode> epochs = new ArrayList<>();
        for (int e = 1; e <= count; e++) {
            epochs.add(node("{\"type\":\"epoch\",\"epoch\":" + e + ",\"iterations\":30,\"train_loss\":" + (1.0 / e)
                    + ",\"test_loss\":0.8,\"test_accuracy\":0.7,\"train_seconds\":3,\"compute_ms_per_iteration\":5,"
                    + "\"sync_ms_per_iteration\":1}"));
        }
        return epochs;
    }

    private static JsonNode iteration(long iteration, double elapsed, double samplesPerSecond, int workers)
            throws Exception {
        return node("{\"type\":\"iteration\",\"epoch\":1,\"iteration\":" + iteration + ",\"loss\":1.0,"
                + "\"samples_per_second\":" + samplesPerSecond + ",\"elapsed_seconds\":" + elapsed + ",\"workers\":"
                + workers + "}");
    }

    private static RunRecord run(int... workers) throws Exception {
        List<JsonNode> iterations = new ArrayList<>();
        for (int i = 0; i < workers.length; i++) {
            iterations.add(iteration(10L * (i + 1), i + 1, 100, workers[i]));
        }
        return new RunRecord(epochs(1), iterations, List.of(), node("{}"));
    }

    /**
     * An elastic run as metrics.jsonl records it: 2 workers for iterations 10..40, a stage that failed at about
     * 5 s and ran again on 1 worker from 25 s (the retry line), iterations 50..80 at the same throughput.
     */
    private static RunRecord retried() throws Exception {
        List<JsonNode> iterations = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            iterations.add(iteration(10L * i, i, 500, 2));
        }
        for (int i = 5; i <= 8; i++) {
            iterations.add(iteration(10L * i, 20 + i, 500, 1));
        }
        JsonNode retry = node("{\"type\":\"retry\",\"epoch\":1,\"iteration\":41,\"attempts\":2,\"failed_seconds\":6.5,"
                + "\"iterations_redone\":3,\"workers\":1,\"elapsed_seconds\":24.5}");
        return new RunRecord(epochs(3), iterations, List.of(retry), node("{}"));
    }

    @Test
    void aResizedRunDrawsItsWorkersOverTime() throws Exception {
        assertTrue(ReportCharts.draw(run(2, 1, 1)).containsKey("Workers over time"));
    }

    @Test
    void aFixedCountDrawsNoWorkerChart() throws Exception {
        assertFalse(ReportCharts.draw(run(2, 2, 2)).containsKey("Workers over time"));
    }

    @Test
    void iterationLinesAreCutAtARetryAResizeAndAResume() throws Exception {
        assertEquals(List.of(4, 4), retried().segments().stream().map(List::size).toList());
        // The same count on both sides of a retry is still cut: the failed attempt's time is no training.
        List<JsonNode> sameCount = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            sameCount.add(iteration(10L * i, i < 3 ? i : i + 20, 100, 2));
        }
        JsonNode retry = node("{\"type\":\"retry\",\"iteration\":21}");
        assertEquals(List.of(2, 2), new RunRecord(epochs(1), sameCount, List.of(retry), node("{}")).segments()
                .stream().map(List::size).toList());
        // Between epochs the held-out evaluation runs, not training.
        JsonNode nextEpoch = node("{\"type\":\"iteration\",\"epoch\":2,\"iteration\":50,\"samples_per_second\":100,"
                + "\"elapsed_seconds\":9,\"workers\":2}");
        assertEquals(List.of(3, 1), new RunRecord(epochs(2), List.of(iteration(10, 1, 100, 2), iteration(20, 2, 100, 2),
                iteration(30, 3, 100, 2), nextEpoch), List.of(), node("{}")).segments().stream().map(List::size).toList());
        // A resumed run's clock starts again.
        List<JsonNode> resumed = List.of(iteration(10, 5, 100, 2), iteration(20, 10, 100, 2), iteration(30, 2, 100, 2));
        assertEquals(2, new RunRecord(epochs(1), resumed, List.of(), node("{}")).segments().size());
        assertEquals(1, run(2, 2, 2).segments().size());
    }

    /**
     * The throughput is the same before and after the failure, so a line drawn across the gap would be one
     * horizontal row of the series' colour from end to end: the row the line is drawn in must break.
     */
    @Test
    void theThroughputLineLeavesTheFailedAttemptsGapEmpty() throws Exception {
        XYChart chart = (XYChart) ReportCharts.charts(retried()).get("Throughput over time");
        BufferedImage image = BitmapEncoder.getBufferedImage(chart);
        int bestRow = -1;
        int bestCount = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            int count = 0;
            for (int x = 0; x < image.getWidth(); x++) {
                count += isSeries(image.getRGB(x, y)) ? 1 : 0;
            }
            if (count > bestCount) {
                bestCount = count;
                bestRow = y;
            }
        }
        assertTrue(bestCount > 100, "the line is drawn: " + bestCount + " pixels in its row");
        List<int[]> runs = new ArrayList<>(); // [start, end) of each stretch of line pixels in that row
        for (int x = 0; x < image.getWidth(); x++) {
            if (isSeries(image.getRGB(x, bestRow))) {
                if (runs.isEmpty() || runs.get(runs.size() - 1)[1] < x - 2) {
                    runs.add(new int[] {x, x + 1});
                } else {
                    runs.get(runs.size() - 1)[1] = x + 1;
                }
            }
        }
        assertEquals(2, runs.size(), "two stretches of line, one on each side of the gap");
        int gap = runs.get(1)[0] - runs.get(0)[1];
        int drawn = runs.get(0)[1] - runs.get(0)[0];
        // 4 s of training drawn, then 21 s of nothing: the gap is several times the first stretch.
        assertTrue(gap > 3 * drawn, "gap of " + gap + " px after " + drawn + " px of line");
    }

    @Test
    void countAxesAreLabelledInWholeNumbersOnly() throws Exception {
        var charts = ReportCharts.charts(retried());
        assertWholeNumbers(charts.get("Workers over time"), false);
        assertWholeNumbers(charts.get("Loss per epoch: training vs held-out"), true);
        assertWholeNumbers(charts.get("Held-out accuracy per epoch"), true);
    }

    /** Labels that are integers, evenly spaced on the axis and evenly stepped: ticks on whole numbers only. */
    private static void assertWholeNumbers(Chart<?, ?> chart, boolean xAxis) throws Exception {
        BitmapEncoder.getBufferedImage(chart); // lays the axes out
        Field pairField = Chart.class.getDeclaredField("axisPair");
        pairField.setAccessible(true);
        AxisPair<?, ?> pair = (AxisPair<?, ?>) pairField.get(chart);
        Method getter = AxisPair.class.getDeclaredMethod(xAxis ? "getXAxis" : "getYAxis");
        getter.setAccessible(true);
        Axis<?, ?> axis = (Axis<?, ?>) getter.invoke(pair);
        List<String> labels = axis.getAxisTickCalculator().getTickLabels();
        List<Double> at = axis.getAxisTickCalculator().getTickLocations();
        assertTrue(labels.size() >= 2, "ticks: " + labels);
        List<Long> values = new ArrayList<>();
        for (String label : labels) {
            assertTrue(label.matches("-?[0-9,]+"), "a whole number: '" + label + "' in " + labels);
            values.add(Long.parseLong(label.replace(",", "")));
        }
        for (int i = 2; i < values.size(); i++) {
            assertEquals(values.get(1) - values.get(0), values.get(i) - values.get(i - 1), "even steps: " + labels);
            assertEquals(at.get(1) - at.get(0), at.get(i) - at.get(i - 1), 1.0, "evenly placed: " + at);
        }
    }

    /** The series is the only coloured thing on the chart: the rest (axes, grid, text, background) is grey. */
    private static boolean isSeries(int rgb) {
        Color c = new Color(rgb);
        return Math.max(c.getRed(), Math.max(c.getGreen(), c.getBlue()))
                - Math.min(c.getRed(), Math.min(c.getGreen(), c.getBlue())) > 80;
    }
}
