package org.sparkddp.driver.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn by XChart and encoded as PNG: each one a figure a person reads a run by. Runs on the
 * driver, headless.
 */
final class ReportCharts {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 380;

    private ReportCharts() {
    }

    /** Title to PNG bytes, in the order the page shows them; charts without data (no accuracy) are left out. */
    static Map<String, byte[]> draw(RunRecord run) {
        Map<String, byte[]> charts = new LinkedHashMap<>();
        for (Map.Entry<String, Chart<?, ?>> chart : charts(run).entrySet()) {
            charts.put(chart.getKey(), png(chart.getValue()));
        }
        return charts;
    }

    /** The charts themselves, by title, before encoding: what the tests read the axes of. */
    static Map<String, Chart<?, ?>> charts(RunRecord run) {
        System.setProperty("java.awt.headless", "true");
        Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
        charts.put("Loss per epoch: training vs held-out", loss(run));
        if (run.epochs().get(0).has("test_accuracy")) {
            charts.put("Held-out accuracy per epoch", perEpoch("Held-out accuracy per epoch", "accuracy",
                    run.epochs(), "test_accuracy", "held-out (test) accuracy"));
        }
        if (!run.iterations().isEmpty()) {
            charts.put("Throughput over time", throughput(run));
        }
        charts.put("Compute vs synchronization per iteration", timePerIteration(run));
        // Only a run whose worker count changed (training.elastic) has a line worth drawing.
        if (run.iterations().stream().filter(n -> n.has("workers")).mapToInt(n -> n.path("workers").asInt())
                .distinct().count() > 1) {
            charts.put("Workers over time", workers(run));
        }
        return charts;
    }

    /** Both losses on one chart: a held-out loss that rises while the training loss falls is overfitting. */
    private static XYChart loss(RunRecord run) {
        XYChart chart = perEpoch("Loss per epoch: training vs held-out", "loss", run.epochs(), "train_loss",
                "training loss");
        String key = run.heldOutLossKey();
        String loss = key.substring("test_".length());
        chart.addSeries("held-out (test) " + loss, epochs(run.epochs()),
                values(run.epochs(), n -> n.path(key).asDouble()));
        // Validation is evaluated every validation.every-epochs only: its series has just those epochs.
        String validationKey = "val_" + loss;
        List<JsonNode> validated = run.epochs().stream().filter(n -> n.has(validationKey)).toList();
        if (!validated.isEmpty()) {
            chart.addSeries("validation " + loss, epochs(validated),
                    values(validated, n -> n.path(validationKey).asDouble()));
        }
        return chart;
    }

    private static XYChart perEpoch(String title, String yTitle, List<JsonNode> epochs, String key, String series) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yTitle).build();
        chart.addSeries(series, epochs(epochs), values(epochs, n -> n.path(key).asDouble()))
                .setMarker(SeriesMarkers.CIRCLE);
        wholeNumbers(chart, true);
        return chart;
    }

    /**
     * Samples/s of each logged window, one line per stretch of uninterrupted training: a failed stage attempt, a
     * resize or a resume leaves a gap rather than a line drawn across it.
     */
    private static XYChart throughput(RunRecord run) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Throughput over time")
                .xAxisTitle("seconds since the start").yAxisTitle("samples/s").build();
        Broken line = Broken.of(run.segments(), n -> n.path("samples_per_second").asDouble(), false);
        chart.addSeries("samples/s", line.x(), line.y()).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        return chart;
    }

    /** The worker count each logged stretch of iterations ran on, as an elastic run shrank or grew: a step line. */
    private static XYChart workers(RunRecord run) {
        List<List<JsonNode>> logged = run.segments(false).stream()
                .map(segment -> segment.stream().filter(n -> n.has("workers")).toList())
                .filter(segment -> !segment.isEmpty()).toList();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Workers over time")
                .xAxisTitle("seconds since the start").yAxisTitle("workers").build();
        Broken line = Broken.of(logged, n -> n.path("workers").asDouble(), true);
        // Markers only where a stretch is a single logged line, which a line alone would not show.
        chart.addSeries("workers", line.x(), line.y()).setMarker(logged.stream().anyMatch(l -> l.size() == 1)
                ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE).setLineWidth(3f);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(logged.stream().flatMap(List::stream)
                .mapToDouble(n -> n.path("workers").asDouble()).max().orElse(1) + 1);
        wholeNumbers(chart, false);
        return chart;
    }

    /**
     * A count axis (epochs, workers) labelled in whole numbers only: XChart widens its tick step until every label
     * differs, so an integer pattern leaves no 0.2 or 1.5 tick.
     */
    private static void wholeNumbers(XYChart chart, boolean xAxis) {
        if (xAxis) {
            chart.getStyler().setXAxisDecimalPattern("#,##0");
        } else {
            chart.getStyler().setYAxisDecimalPattern("#,##0");
        }
    }

    /**
     * One series drawn as separate stretches: XChart draws no line to or from a null y value, so a null point
     * between two stretches leaves a gap.
     *
     * @param x the seconds since the start of each point
     * @param y its value, or null at a break
     */
    private record Broken(List<Double> x, List<Double> y) {
        /** @param steps each stretch drawn flat from its first to its last line, at the first line's value */
        static Broken of(List<List<JsonNode>> segments, ToDoubleFunction<JsonNode> value, boolean steps) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (List<JsonNode> segment : segments) {
                if (!x.isEmpty()) {
                    x.add(segment.get(0).path("elapsed_seconds").asDouble());
                    y.add(null);
                }
                List<JsonNode> points = steps ? List.of(segment.get(0), segment.get(segment.size() - 1)) : segment;
                for (JsonNode point : points) {
                    x.add(point.path("elapsed_seconds").asDouble());
                    y.add(value.applyAsDouble(steps ? segment.get(0) : point));
                }
            }
            return new Broken(x, y);
        }
    }

    /** Stacked per epoch: the part of an iteration spent computing, and the part spent synchronizing. */
    private static CategoryChart timePerIteration(RunRecord run) {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT)
                .title("Compute vs synchronization per iteration").xAxisTitle("epoch").yAxisTitle("ms per iteration")
                .build();
        chart.getStyler().setStacked(true);
        List<String> labels = new ArrayList<>();
        for (JsonNode epoch : run.epochs()) {
            labels.add(epoch.path("epoch").asText());
        }
        chart.addSeries("compute", labels, boxed(values(run.epochs(), n -> n.path("compute_ms_per_iteration")
                .asDouble())));
        chart.addSeries("sync", labels, boxed(values(run.epochs(), n -> n.path("sync_ms_per_iteration").asDouble())));
        return chart;
    }

    private static double[] epochs(List<JsonNode> epochs) {
        return values(epochs, n -> n.path("epoch").asDouble());
    }

    private static double[] values(List<JsonNode> nodes, ToDoubleFunction<JsonNode> field) {
        return nodes.stream().mapToDouble(field).toArray();
    }

    private static List<Double> boxed(double[] values) {
        List<Double> list = new ArrayList<>(values.length);
        for (double v : values) {
            list.add(v);
        }
        return list;
    }

    private static byte[] png(Chart<?, ?> chart) {
        try {
            return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
