package org.sparkddp.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The Markdown of {@code deploy/bench compute}: the sgemm ceilings, the model FLOPs, every contender's samples/s as
 * GFLOP/s and as a share of one core's ceiling, and the target ratios of issues 18 and 28. Pure formatting, apart
 * from the measuring. Runs on the benchmark's driver.
 *
 * @param header           run date, machine, load and PyTorch lines
 * @param ceilings         sgemm GFLOP/s on one thread, by model ({@code mlp}, {@code cnn})
 * @param ceilingShapes    the product each ceiling was measured at, by model ("128 x 784 x 256")
 * @param flopsPerExample  training FLOP per example (forward + backward), by model
 * @param rows             the contenders
 */
record ComputeReport(String header, Map<String, Double> ceilings, Map<String, String> ceilingShapes,
                     Map<String, Long> flopsPerExample, List<ComputeRow> rows) {

    static final String SYNC_AUTO = "spark-ddp sync, 2 workers, local[2], engine auto";
    static final String SYNC_AUTO_1 = "spark-ddp sync, 1 worker, local[2], engine auto";
    static final String SYNC_DL4J = "spark-ddp sync, 2 workers, local[2], engine dl4j";
    static final String ENGINE_STEP = "single-process engine step, 1 thread";
    static final String DL4J_STEP = "single-process DL4J step, 1 thread";
    static final String TORCH_1X1 = "PyTorch, 1 process x 1 thread";
    static final String TORCH_1X2 = "PyTorch, 1 process x 2 threads";
    static final String TORCH_DDP = "PyTorch DDP gloo, 2 processes x 1 thread";

    String markdown() {
        StringBuilder md = new StringBuilder(header).append("\n\n");
        md.append("### The ceiling: OpenBLAS sgemm, one thread\n\n| model | product (M x K x N) | GFLOP/s |\n"
                + "|---|---|---:|\n");
        for (String model : List.of("mlp", "cnn")) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.1f |%n", model.toUpperCase(Locale.ROOT),
                    ceilingShapes.get(model), ceilings.get(model)));
        }
        md.append("\n### Model FLOPs per training example\n\n| model | FLOP per example (forward + backward) |\n"
                + "|---|---:|\n");
        for (String model : List.of("mlp", "cnn")) {
            md.append(String.format(Locale.ROOT, "| %s | %,d |%n", model.toUpperCase(Locale.ROOT),
                    flopsPerExample.get(model)));
        }
        md.append("\n### Training rate\n\n| model | contender | cores | samples/s | GFLOP/s | GFLOP/s per core"
                + " / sgemm ceiling | note |\n|---|---|---:|---:|---:|---:|---|\n");
        for (ComputeRow r : rows) {
            long flops = flopsPerExample.get(r.model());
            double perCore = r.gflops(flops) / r.cores();
            md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%n",
                    r.model().toUpperCase(Locale.ROOT), r.contender(), r.cores(), fixed(r.samplesPerSecond(), "%,.0f"),
                    fixed(r.gflops(flops), "%.2f"), fixed(perCore / ceilings.get(r.model()), "%.3f"), r.note()));
        }
        md.append("\n### Targets (issue 18)\n\n| ratio | value | target |\n|---|---:|---:|\n");
        md.append(ratioRow("MLP: spark-ddp sync (auto) / PyTorch 1 process x 1 thread", rate("mlp", SYNC_AUTO),
                rate("mlp", TORCH_1X1), ">= 1.0"));
        md.append(ratioRow("CNN: spark-ddp sync (auto) / PyTorch DDP 2 x 1", rate("cnn", SYNC_AUTO),
                rate("cnn", TORCH_DDP), ">= 1.0"));
        md.append(ratioRow("MLP: engine step GFLOP/s / sgemm ceiling", rate("mlp", ENGINE_STEP)
                * flopsPerExample.get("mlp") / 1e9, ceilings.get("mlp"), ">= 0.70 (stretch)"));
        md.append("\n### Targets (issue 28): the shipped command\n\n| ratio | value | target |\n|---|---:|---:|\n");
        md.append(ratioRow("MLP: spark-ddp sync, 2 workers / 1 worker", rate("mlp", SYNC_AUTO),
                rate("mlp", SYNC_AUTO_1), ">= 1.6"));
        md.append(ratioRow("MLP: spark-ddp sync, 2 workers / single-process engine step", rate("mlp", SYNC_AUTO),
                rate("mlp", ENGINE_STEP), ">= 1.3"));
        md.append(ratioRow("MLP: spark-ddp sync, 1 worker / single-process engine step (the command's own cost)",
                rate("mlp", SYNC_AUTO_1), rate("mlp", ENGINE_STEP), "-"));
        md.append(ratioRow("CNN: spark-ddp sync, 2 workers / single-process engine step", rate("cnn", SYNC_AUTO),
                rate("cnn", ENGINE_STEP), ">= 1.9"));
        return md.append('\n').toString();
    }

    /** The samples/s of a model's contender, NaN when it did not run. */
    double rate(String model, String contender) {
        Predicate<ComputeRow> match = r -> r.model().equals(model) && r.contender().equals(contender);
        return rows.stream().filter(match).mapToDouble(ComputeRow::samplesPerSecond).findFirst().orElse(Double.NaN);
    }

    private static String ratioRow(String name, double numerator, double denominator, String target) {
        return String.format(Locale.ROOT, "| %s | %s | %s |%n", name, fixed(numerator / denominator, "%.2f"), target);
    }

    static String fixed(double value, String format) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, format, value);
    }
}
