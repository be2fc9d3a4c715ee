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
import org.sparkddp.common.config.WireFormat;

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
                 LoopbackProbe.Figures before, LoopbackProbe.Figures during, boolean latency, List<Model> models,
                 List<ReplayPoint> replays) {
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
        md.append("### All-reduce time\n\n| algorithm | ranks | hosts | ranks per host | wire | floats | reps | ms per"
                + " all-reduce | busiest link at nominal rate, ms | cores busy (ranks) | cores busy (machine) | bound by | model ms | model error |\n"
                + "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
        for (MeasuredPoint m : measured) {
            double model = fit == null ? Double.NaN : modelMs(fit, m);
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %,dM | %d | %.1f | %.1f | %.2f | %.2f | %s | %.1f | %+.0f%% |%n",
                    name(m.algorithm()), m.placement().ranks(), m.placement().hosts(), m.placement().perHost(),
                    name(m.wire()), m.floats() / M, m.reps(), m.medianMs(), m.linkMs(), m.cores(), m.machineBusy(),
                    m.boundBy(), model, 100 * (model - m.medianMs()) / m.medianMs()));
        }
        md.append(headToHead(measured));
        md.append("\n### Bytes the links saw\n\nPer configuration, all sizes, warm-up included: what tc's classes"
                + " counted (payload plus TCP/IP headers and ACKs) against the payload the algorithm sends across"
                + " hosts (with the replays, bf16's sizes and warm-up counted at half the bytes, where a configuration"
                + " runs them).\n\n| algorithm | ranks | hosts | ranks per host | tc MB | payload MB |\n"
                + "|---|---:|---:|---:|---:|---:|\n");
        linkChecks.forEach(l -> md.append(l).append('\n'));
        md.append(ScalingPredictions.steps(models));
        if (fit != null) {
            md.append(fitSection(fit, measured));
            ScalingPredictions predictions = new ScalingPredictions(fit, options.gbit());
            md.append(predictions.replays(replays, models));
            md.append(predictions.predictions(models));
            md.append(predictions.items(models));
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
        return all.stream().filter(m -> m.algorithm() == a && m.wire() == WireFormat.FP32 && m.placement().ranks() == ranks
                && m.placement().perHost() == perHost && m.floats() == floats).findFirst().orElse(null);
    }

    private String fitSection(Fit fit, List<MeasuredPoint> measured) {
        double worst = 0;
        double sumSq = 0;
        for (MeasuredPoint m : measured) {
            double model = modelMs(fit, m);
            double err = (model - m.medianMs()) / m.medianMs();
            worst = Math.max(worst, Math.abs(err));
            sumSq += err * err;
        }
        return String.format(Locale.ROOT, "%n### α-β model fitted to the %d points%n%n"
                + "`T = α·hops_link + α_local·hops_local + β·bytes_link + γ·bytes_cpu + κ·floats_codec` (least squares on relative"
                + " error; the terms per algorithm are in AllReduceCost's Javadoc: the ring's busiest link carries the"
                + " flows of all ranks on its host, the hierarchical one's a single flow; bytes_cpu counts the ranks"
                + " sharing each of the %d cores; bf16 halves bytes_link and adds floats_codec).%n%n"
                + "| constant | fitted | meaning |%n|---|---:|---|%n"
                + "| α | %.1f us | per hop across hosts |%n"
                + "| α_local | %.1f us | per hop inside a host |%n"
                + "| β | %.3f ns/byte (%.2f Gbit/s) | per byte on the busiest link; nominal %.3f ns/byte (%s Gbit/s) |%n"
                + "| γ | %.3f ns/byte (%.2f GB/s) | per byte a rank copies and adds, per core-share |%n"
                + "| κ | %.3f ns/float | per float through the bf16 codec (error feedback, rounding, decoding), per core-share; 0: no bf16 point |%n%n"
                + "Error of the model on the measured points: RMS %.0f%%, worst %.0f%%.%n",
                measured.size(), CORES, fit.alphaLink() * 1e6, fit.alphaLocal() * 1e6, fit.beta() * 1e9,
                fit.beta() > 0 ? 8 / fit.beta() / 1e9 : Double.NaN, 8 / options.gbit(), fmt(options.gbit()),
                fit.gamma() * 1e9, fit.gamma() > 0 ? 1 / fit.gamma() / 1e9 : Double.NaN, fit.kappa() * 1e9,
                100 * Math.sqrt(sumSq / measured.size()), 100 * worst);
    }

    private static double modelMs(Fit fit, MeasuredPoint m) {
        return 1e3 * fit.predict(m.algorithm(), m.placement().ranks(), m.placement().hosts(), m.floats(),
                AllReduceCost.cpuShare(m.placement().ranks(), CORES), m.wire());
    }

    private static List<Point> toPoints(List<MeasuredPoint> measured) {
        return measured.stream().map(m -> new Point(m.algorithm(), m.placement().ranks(), m.placement().hosts(),
                m.floats(), m.medianMs() / 1e3, m.wire())).toList();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
