package org.sparkddp.bench;

import static org.sparkddp.bench.MeasuredPoint.CORES;
import static org.sparkddp.bench.MeasuredPoint.CPU_BOUND_SHARE;
import static org.sparkddp.bench.MeasuredPoint.LINK_BOUND_SHARE;
import static org.sparkddp.bench.ScalingPlan.M;
import static org.sparkddp.bench.ScalingPlan.name;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.AllReduceCost.Fit;
import org.sparkddp.bench.AllReduceCost.Point;
import org.sparkddp.bench.ScalingBenchmark.Model;

/**
 * {@code deploy/bench scaling}'s Markdown: the measured points, the bytes the links saw, the fitted α-β model and the
 * scaling efficiency it predicts. Runs in the benchmark's parent JVM.
 */
final class ScalingReport {
    private final ScalingOptions options;
    /** The 1-minute load average when the benchmark started. */
    private final String startLoad;

    ScalingReport(ScalingOptions options, String startLoad) {
        this.options = options;
        this.startLoad = startLoad;
    }

    String write(List<MeasuredPoint> measured, List<String> linkChecks, List<String> notes,
                 LoopbackProbe.Figures before, LoopbackProbe.Figures during, boolean latency, List<Model> models) {
        StringBuilder md = new StringBuilder();
        md.append("## Scaling run of ").append(LocalDate.now()).append(options.quick() ? " (--quick)" : "")
                .append("\n\n").append(Machine.describe()).append("\n\n");
        md.append(String.format(Locale.ROOT, "Emulated hosts 127.0.0.2 and up on lo, each with a %s Gbit/s link%s"
                + " (tc htb per source address%s); ranks in their own JVMs, rank r on host r mod H (Spark-like"
                + " interleaving); a %d ms sleep between all-reduces stands in for compute. Times are the median over"
                + " repetitions of the slowest rank's all-reduce, after 2 warm-up all-reduces (1 at 100M). \"cores busy\" is the"
                + " ranks' CPU time over the all-reduce time; CPU-bound marks points that kept >= %.0f%% of the %d"
                + " cores busy (the CPU rather than the link set the time); link marks points where the busiest link's bytes"
                + " at the nominal rate take >= %.0f%% of the time; \"machine\" counts every process on the machine"
                + " (from /proc/stat, sleeps included), so it also shows other users' load.%n%n", fmt(options.gbit()),
                latency ? ", " + options.latencyUs() + " us one way" : ", no added latency",
                latency ? ", netem for latency" : "", options.computeMs(), CPU_BOUND_SHARE * 100, CORES,
                LINK_BOUND_SHARE * 100));
        for (String note : notes) {
            md.append("- ").append(note).append('\n');
        }
        md.append("- Load average (1 minute) at the start: " + startLoad + ", at the end: " + ScalingBenchmark.loadAverage()
                + " (a shared machine: other users' work slows every figure).\n");
        md.append(String.format(Locale.ROOT, "- 127.0.0.1, never shaped: RTT %.1f us and %.1f Gbit/s before the"
                + " setup, %.1f us and %.1f Gbit/s with it in place (idle).%n%n", before.rttMicros(),
                before.gbitPerSecond(), during.rttMicros(), during.gbitPerSecond()));

        Fit fit = measured.size() >= 2 ? AllReduceCost.fit(toPoints(measured), CORES) : null;
        md.append("### All-reduce time\n\n| algorithm | ranks | hosts | ranks per host | floats | reps | ms per"
                + " all-reduce | busiest link at nominal rate, ms | cores busy (ranks) | cores busy (machine) | bound by | model ms | model error |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (MeasuredPoint m : measured) {
            double model = fit == null ? Double.NaN : 1e3 * fit.predict(m.algorithm(), m.placement().ranks(),
                    m.placement().hosts(), m.floats(), AllReduceCost.cpuShare(m.placement().ranks(), CORES));
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %,dM | %d | %.1f | %.1f | %.2f | %.2f | %s | %.1f | %+.0f%% |%n",
                    name(m.algorithm()), m.placement().ranks(), m.placement().hosts(), m.placement().perHost(),
                    m.floats() / M, m.reps(), m.medianMs(), m.linkMs(), m.cores(), m.machineBusy(), m.boundBy(), model, 100 * (model - m.medianMs()) / m.medianMs()));
        }
        md.append(headToHead(measured));
        md.append("\n### Bytes the links saw\n\nPer configuration, all sizes, warm-up included: what tc's classes"
                + " counted (payload plus TCP/IP headers and ACKs) against the payload the algorithm sends across"
                + " hosts.\n\n| algorithm | ranks | hosts | ranks per host | tc MB | payload MB |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        linkChecks.forEach(l -> md.append(l).append('\n'));
        if (fit != null) {
            md.append(fitSection(fit, measured));
            md.append(predictions(fit, models));
        }
        md.append("\nCommand: `deploy/bench scaling").append(options.quick() ? " --quick" : "")
                .append(options.gbit() != 0.5 ? " --link-gbit " + fmt(options.gbit()) : "")
                .append(options.latencyUs() != 50 ? " --latency-us " + options.latencyUs() : "")
                .append("` (as root).\n");
        return md.toString();
    }

    /** The check: hierarchical against the ring at 8 hosts x 2 ranks, 10M floats. */
    private static String headToHead(List<MeasuredPoint> measured) {
        MeasuredPoint ring = find(measured, Algorithm.RING, 16, 2, 10 * M);
        MeasuredPoint hierarchical = find(measured, Algorithm.HIERARCHICAL, 16, 2, 10 * M);
        if (ring == null) {
            return "";
        }
        if (hierarchical == null) {
            return String.format(Locale.ROOT, "%n8 hosts x 2 ranks, 10M floats: ring %.1f ms; hierarchical not"
                    + " measured in this run.%n", ring.medianMs());
        }
        return String.format(Locale.ROOT, "%n8 hosts x 2 ranks, 10M floats: ring %.1f ms, hierarchical %.1f ms:"
                + " hierarchical takes %.2fx the ring's time (%s).%n", ring.medianMs(), hierarchical.medianMs(),
                hierarchical.medianMs() / ring.medianMs(), hierarchical.medianMs() < ring.medianMs()
                        ? String.format(Locale.ROOT, "%.0f%% faster", 100 * (1 - hierarchical.medianMs() / ring.medianMs()))
                        : "not faster");
    }

    private static MeasuredPoint find(List<MeasuredPoint> all, Algorithm a, int ranks, int perHost, long floats) {
        return all.stream().filter(m -> m.algorithm() == a && m.placement().ranks() == ranks
                && m.placement().perHost() == perHost && m.floats() == floats).findFirst().orElse(null);
    }

    private String fitSection(Fit fit, List<MeasuredPoint> measured) {
        double worst = 0;
        double sumSq = 0;
        for (MeasuredPoint m : measured) {
            double model = 1e3 * fit.predict(m.algorithm(), m.placement().ranks(), m.placement().hosts(), m.floats(),
                    AllReduceCost.cpuShare(m.placement().ranks(), CORES));
            double err = (model - m.medianMs()) / m.medianMs();
            worst = Math.max(worst, Math.abs(err));
            sumSq += err * err;
        }
        return String.format(Locale.ROOT, "%n### α-β model fitted to the %d points%n%n"
                + "`T = α·hops_link + α_local·hops_local + β·bytes_link + γ·bytes_cpu` (least squares on relative"
                + " error; the terms per algorithm are in AllReduceCost's Javadoc: the ring's busiest link carries the"
                + " flows of all ranks on its host, the hierarchical one's a single flow; bytes_cpu counts the ranks"
                + " sharing each of the %d cores).%n%n"
                + "| constant | fitted | meaning |%n|---|---:|---|%n"
                + "| α | %.1f us | per hop across hosts |%n"
                + "| α_local | %.1f us | per hop inside a host |%n"
                + "| β | %.3f ns/byte (%.2f Gbit/s) | per byte on the busiest link; nominal %.3f ns/byte (%s Gbit/s) |%n"
                + "| γ | %.3f ns/byte (%.2f GB/s) | per byte a rank copies and adds, per core-share |%n%n"
                + "Error of the model on the measured points: RMS %.0f%%, worst %.0f%%.%n",
                measured.size(), CORES, fit.alphaLink() * 1e6, fit.alphaLocal() * 1e6, fit.beta() * 1e9,
                fit.beta() > 0 ? 8 / fit.beta() / 1e9 : Double.NaN, 8 / options.gbit(), fmt(options.gbit()),
                fit.gamma() * 1e9, fit.gamma() > 0 ? 1 / fit.gamma() / 1e9 : Double.NaN,
                100 * Math.sqrt(sumSq / measured.size()), 100 * worst);
    }

    /**
     * Scaling efficiency on a cluster: compute / (compute + all-reduce), weak scaling (the per-worker batch stays),
     * sync mode (no overlap), with β scaled to 10 Gbit/s links and γ at one core per rank; once with the α fitted
     * here and once with α set to the link latency asked for (a LAN's), since without netem the fitted α is this
     * machine's own per-hop cost.
     */
    private String predictions(Fit fit, List<Model> models) {
        double target = 10;
        Fit scaled = fit.withLinkScaled(options.gbit() / target);
        double lan = options.latencyUs() * 1e-6;
        // NOTE: a hop inside a host is no slower than one across a LAN, so the LAN variant bounds both by it; the
        // fitted α_local is this loaded machine's scheduling delay for 16 JVMs on 2 cores.
        Fit lanFit = new Fit(lan, lan, scaled.beta(), scaled.gamma());
        int perHost = 16;
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n### Predicted scaling efficiency%n%n"
                + "%s Gbit/s links, 16 one-core executors per host (the deploy recipes' layout), rank r on host r mod"
                + " H; per-worker batch 128 (weak scaling); efficiency = compute / (compute + all-reduce), as sync mode"
                + " does not overlap them; in brackets the predicted all-reduce. β is the fitted one scaled from %s to"
                + " %s Gbit/s, γ as fitted at one core per rank. Each cell: with the fitted α and α_local (%.0f and %.0f us"
                + " per hop) / with both at %d us per hop (a LAN's latency).%n%n"
                + "| model | parameters | compute ms/step | algorithm | E = 32 | E = 64 | E = 128 |%n"
                + "|---|---:|---:|---|---:|---:|---:|%n", fmt(target), fmt(options.gbit()), fmt(target),
                fit.alphaLink() * 1e6, fit.alphaLocal() * 1e6, options.latencyUs()));
        for (Model model : models) {
            for (Algorithm a : List.of(Algorithm.RING, Algorithm.HIERARCHICAL)) {
                md.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %s |", model.name(), model.parameters(),
                        model.stepMs(), name(a)));
                for (int executors : new int[] {32, 64, 128}) {
                    double fitted = scaled.predict(a, executors, executors / perHost, model.parameters(), 1) * 1e3;
                    double onLan = lanFit.predict(a, executors, executors / perHost, model.parameters(), 1) * 1e3;
                    md.append(String.format(Locale.ROOT, " %.0f%% (%.0f ms) / %.0f%% (%.0f ms) |",
                            100 * model.stepMs() / (model.stepMs() + fitted), fitted,
                            100 * model.stepMs() / (model.stepMs() + onLan), onLan));
                }
                md.append('\n');
            }
        }
        md.append("\nCompute per step (one DL4J step: forward, backward, Adam, batch 128, one core, random"
                + " Fashion-MNIST-shaped batches, median of the timed steps after a warm-up), measured in this run:\n");
        for (Model model : models) {
            md.append(String.format(Locale.ROOT, "- %s: %s (load average before the step: %s).%n", model.name(),
                    model.source(), model.load()));
        }
        md.append("\nFor comparison: Horovod's published 90% scaling efficiency at 512 GPUs (ResNet-101, 25 Gbit/s"
                + " RoCE; Sergeev and Del Balso, 2018).\n");
        return md.toString();
    }

    private static List<Point> toPoints(List<MeasuredPoint> measured) {
        return measured.stream().map(m -> new Point(m.algorithm(), m.placement().ranks(), m.placement().hosts(),
                m.floats(), m.medianMs() / 1e3)).toList();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
