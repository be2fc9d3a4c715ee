package org.sparkddp.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.PeakHeap;

/**
 * The per-epoch record of a baseline trainer and its final {@code RESULT {json}} line, in the form the benchmark
 * reads: training time only, the first epoch reaching 0.85 test accuracy, the final accuracy.
 */
final class BaselineReport {
    private final String name;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final List<Map<String, Object>> epochs = new ArrayList<>();
    private long trainNanos;
    private long examples;
    private double secondsTo85 = Double.NaN;
    private ClassificationAggregator test;

    BaselineReport(String name) {
        this.name = name;
    }

    /** A fact to record in the result, e.g. the thread setting. */
    BaselineReport with(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    /** Records an epoch that trained {@code epochExamples} in {@code epochNanos} and then scored {@code testMetrics}. */
    void epoch(long epochNanos, long epochExamples, double trainLoss, ClassificationAggregator testMetrics) {
        trainNanos += epochNanos;
        examples += epochExamples;
        test = testMetrics;
        if (Double.isNaN(secondsTo85) && test.accuracy() >= 0.85) {
            secondsTo85 = trainNanos / 1e9;
        }
        System.out.println(String.format(Locale.ROOT,
                "%s epoch %d · train loss %.4f · test loss %.4f · test accuracy %.4f · %,.0f samples/s", name,
                epochs.size() + 1, trainLoss, test.meanLoss(), test.accuracy(), epochExamples / (epochNanos / 1e9)));
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("epoch", epochs.size() + 1);
        e.put("test_accuracy", test.accuracy());
        e.put("train_seconds", trainNanos / 1e9);
        epochs.add(e);
    }

    void print() {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("name", name);
        result.putAll(extra);
        result.put("test_accuracy", test == null ? Double.NaN : test.accuracy());
        result.put("samples_per_second", examples / (trainNanos / 1e9));
        result.put("train_seconds", trainNanos / 1e9);
        result.put("seconds_to_0.85", secondsTo85);
        result.put("peak_heap_mb", PeakHeap.megabytes());
        result.put("epochs", epochs);
        System.out.println("RESULT " + Json.line(result));
    }
}
