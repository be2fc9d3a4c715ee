package org.sparkddp.driver.output;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.RegressionAggregator;

/**
 * The figures of {@code spark-ddp evaluate}, as a console table and as {@code evaluation.json}. Classification:
 * accuracy, log-loss, the mean probability given to the true class, per-class precision, recall, F1 and support,
 * and the confusion matrix. Real-valued targets: MSE, MAE and R² per target column (and accuracy for a 0/1
 * target). A figure that is undefined (say, the precision of a class never predicted) is {@code null} in the JSON
 * and "-" on the console. Runs on the driver.
 */
public final class EvaluationReport {
    public static final String NAME = "evaluation.json";

    private final String model;
    private final String data;
    private final HeldOutMetrics metrics;
    private final long driverResultBytes;

    /** @param driverResultBytes the task results the driver received while evaluating (a SparkListener's sum) */
    public EvaluationReport(String model, String data, HeldOutMetrics metrics, long driverResultBytes) {
        this.model = model;
        this.data = data;
        this.metrics = metrics;
        this.driverResultBytes = driverResultBytes;
    }

    public String json() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model);
        doc.put("data", data);
        doc.put("examples", metrics.examples());
        if (metrics instanceof ClassificationAggregator c) {
            doc.put("accuracy", finite(c.accuracy()));
            doc.put("log_loss", finite(c.meanLoss()));
            doc.put("mean_true_class_probability", finite(c.meanTrueClassProbability()));
            List<Map<String, Object>> classes = new ArrayList<>();
            for (int k = 0; k < c.numClasses(); k++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("class", k);
                row.put("precision", finite(c.precision(k)));
                row.put("recall", finite(c.recall(k)));
                row.put("f1", finite(c.f1(k)));
                row.put("support", c.support(k));
                classes.add(row);
            }
            doc.put("per_class", classes);
            doc.putAll(c.details()); // the confusion matrix
        } else if (metrics instanceof RegressionAggregator r) {
            doc.put("mse", finite(r.meanSquaredError()));
            if (r.hasAccuracy()) {
                doc.put("accuracy", finite(r.accuracy()));
            }
            List<Map<String, Object>> targets = new ArrayList<>();
            for (int j = 0; j < r.width(); j++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("target", j);
                row.put("mse", finite(r.meanSquaredError(j)));
                row.put("mae", finite(r.meanAbsoluteError(j)));
                row.put("r2", finite(r.r2(j)));
                targets.add(row);
            }
            doc.put("per_target", targets);
        }
        doc.put("driver_result_bytes", driverResultBytes);
        return Json.pretty(doc);
    }

    public void print(PrintStream out) {
        if (metrics instanceof ClassificationAggregator c) {
            out.println(String.format(Locale.ROOT, "log-loss %.4f · mean probability of the true class %.4f",
                    c.meanLoss(), c.meanTrueClassProbability()));
            out.println("class  precision  recall      f1  support");
            for (int k = 0; k < c.numClasses(); k++) {
                out.println(String.format(Locale.ROOT, "%5d  %9s  %6s  %6s  %7d", k, figure(c.precision(k)),
                        figure(c.recall(k)), figure(c.f1(k)), c.support(k)));
            }
            out.println("confusion matrix (rows: true class, columns: predicted class)");
            long[] confusion = c.confusion();
            for (int k = 0; k < c.numClasses(); k++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%5d ", k));
                for (int j = 0; j < c.numClasses(); j++) {
                    row.append(String.format(Locale.ROOT, " %6d", confusion[k * c.numClasses() + j]));
                }
                out.println(row);
            }
        } else if (metrics instanceof RegressionAggregator r) {
            out.println("target      mse      mae       r2");
            for (int j = 0; j < r.width(); j++) {
                out.println(String.format(Locale.ROOT, "%6d  %7s  %7s  %7s", j, figure(r.meanSquaredError(j)),
                        figure(r.meanAbsoluteError(j)), figure(r.r2(j))));
            }
        }
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static String figure(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "-";
    }
}
