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
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
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
        System.setProperty("java.awt.headless", "true");
        Map<String, byte[]> charts = new LinkedHashMap<>();
        charts.put("Loss per epoch: training vs held-out", png(loss(run)));
        if (run.epochs().get(0).has("test_accuracy")) {
            charts.put("Held-out accuracy per epoch", png(perEpoch("Held-out accuracy per epoch", "accuracy",
                    run.epochs(), "test_accuracy", "held-out (test) accuracy")));
        }
        if (!run.iterations().isEmpty()) {
            charts.put("Throughput over time", png(throughput(run)));
        }
        charts.put("Compute vs synchronization per iteration", png(timePerIteration(run)));
        // Only a run whose worker count changed (training.elastic) has a line worth drawing.
        if (run.iterations().stream().filter(n -> n.has("workers")).mapToInt(n -> n.path("workers").asInt())
                .distinct().count() > 1) {
            charts.put("Workers over time", png(workers(run)));
        }
        if (run.summary().has("confusion_matrix")) {
            charts.put("Confusion matrix (held-out)", png(confusion(run.summary().get("confusion_matrix"))));
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
        return chart;
    }

    private static XYChart throughput(RunRecord run) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Throughput over time")
                .xAxisTitle("seconds since the start").yAxisTitle("samples/s").build();
        chart.addSeries("samples/s", values(run.iterations(), n -> n.path("elapsed_seconds").asDouble()),
                values(run.iterations(), n -> n.path("samples_per_second").asDouble())).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    /** The worker count each logged iteration ran on, as an elastic run shrank or grew. */
    private static XYChart workers(RunRecord run) {
        List<JsonNode> logged = run.iterations().stream().filter(n -> n.has("workers")).toList();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Workers over time")
                .xAxisTitle("seconds since the start").yAxisTitle("workers").build();
        chart.addSeries("workers", values(logged, n -> n.path("elapsed_seconds").asDouble()),
                values(logged, n -> n.path("workers").asDouble())).setMarker(SeriesMarkers.NONE);
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
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

    private static HeatMapChart confusion(JsonNode matrix) {
        int classes = matrix.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(WIDTH - 100)
                .title("Confusion matrix (held-out)").xAxisTitle("predicted class").yAxisTitle("true class").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setPlotContentSize(1.0);
        int[] axis = new int[classes];
        List<Number[]> cells = new ArrayList<>();
        for (int truth = 0; truth < classes; truth++) {
            axis[truth] = truth;
            for (int predicted = 0; predicted < classes; predicted++) {
                cells.add(new Number[] {predicted, truth, matrix.get(truth).get(predicted).asLong()});
            }
        }
        List<Integer> labels = new ArrayList<>();
        for (int a : axis) {
            labels.add(a);
        }
        chart.addSeries("examples", labels, labels, cells);
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
