package org.sparkddp.bench;

import static org.sparkddp.bench.MeasuredPoint.CORES;
import static org.sparkddp.bench.ScalingPlan.name;

import java.util.List;
import java.util.Locale;
import java.util.function.LongToDoubleFunction;
import org.sparkddp.bench.AllReduceCost.Algorithm;
import org.sparkddp.bench.AllReduceCost.Fit;
import org.sparkddp.bench.ScalingBenchmark.Model;
import org.sparkddp.common.config.WireFormat;

/**
 * {@code deploy/bench scaling}'s Markdown about the models: their measured steps, the replays against the model
 * ({@link OverlapModel} with the fitted {@link AllReduceCost}), the predicted efficiency on a cluster and what each
 * of issue 28's items buys there. Runs in the benchmark's parent JVM.
 */
final class ScalingPredictions {
    /** The cluster the predictions are for: one-core executors, 16 per host, 10 Gbit/s, 50 us per hop. */
    static final int PER_HOST = 16;
    static final double CLUSTER_GBIT = 10;
    static final double HOP_SECONDS = 50e-6;
    /**
     * A hop inside a JVM (item 1): a barrier of the shared-memory collective; BENCHMARKS.md measured 4 barriers with no
     * data in 0.051 ms on this machine, about 13 us each.
     */
    static final double JVM_HOP_SECONDS = 13e-6;
    static final int[] EXECUTORS = {32, 64, 128};
    /** Local SGD as shipped: {@code training.average-every} = 8, Adam's 2 state floats per parameter averaged too. */
    static final int AVERAGE_EVERY = 8;
    static final int ADAM_STATE = 2;

    private final Fit fit;
    private final Fit lan;
    private final double emulatedGbit;

    /** @param fit the constants fitted on the emulated links of {@code emulatedGbit} */
    ScalingPredictions(Fit fit, double emulatedGbit) {
        this.fit = fit;
        this.emulatedGbit = emulatedGbit;
        this.lan = fit.withLinkScaled(emulatedGbit / CLUSTER_GBIT).withHops(HOP_SECONDS, HOP_SECONDS);
    }

    /** One all-reduce on the cluster, ms, for {@code executors} one-core executors, 16 per host. */
    static LongToDoubleFunction cluster(Fit f, Algorithm a, int executors, WireFormat wire) {
        return n -> 1e3 * f.predict(a, executors, executors / PER_HOST, n, 1, wire);
    }

    /** The measured steps, layer by layer. */
    static String steps(List<Model> models) {
        StringBuilder md = new StringBuilder("\n### The models' steps, measured layer by layer\n\nThe CPU engine's"
                + " training step on one thread (`OMP_NUM_THREADS=1`), batch 128, random Fashion-MNIST-shaped batches,"
                + " thread CPU time, median of the timed steps after a warm-up step (LayerTimesStep); each layer's"
                + " backward timed on its own, in reverse order. The replays wait these times.\n\n"
                + "| model | parameters | forward ms | backward ms, last layer first (parameters) | update ms |"
                + " sum ms | whole step ms (timed as one) |\n|---|---:|---:|---|---:|---:|---:|\n");
        for (Model m : models) {
            LayerSchedule s = m.schedule();
            StringBuilder layers = new StringBuilder();
            for (int i = s.layers().size() - 1; i >= 0; i--) {
                LayerSchedule.Layer l = s.layers().get(i);
                layers.append(String.format(Locale.ROOT, "%s%s %.2f (%,d)", layers.length() == 0 ? "" : ", ",
                        l.type().replace("Layer", "").replace("Normalization", "Norm"), l.backwardMs(), l.params()));
            }
            md.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %s | %.2f | %.2f | %.2f |%n", s.model(),
                    s.parameters(), s.forwardMs(), layers, s.updateMs(), s.computeMs(), s.wholeMs()));
        }
        md.append('\n');
        for (Model m : models) {
            md.append(String.format(Locale.ROOT, "- %s: %s (load average before: %s).%n", m.schedule().model(),
                    m.source(), m.load()));
        }
        return md.toString();
    }

    /** The replays on the emulated network against what the model says of them. */
    String replays(List<ReplayPoint> replays, List<Model> models) {
        if (replays.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n### Replays on the emulated network%n%n"
                + "Each model's measured step replayed by every rank (waits of the measured times; the gradient all-reduced"
                + " by the real collective: once after the backward (\"sequential\"), or per layer, last layer first, on a"
                + " communication thread while the earlier layers' waits go on (\"overlapped\"); \"compute\" runs no"
                + " all-reduce). Median over the steps of the slowest rank's step. \"model\" is what OverlapModel"
                + " predicts with the constants fitted above on these links (%s Gbit/s, %d ranks sharing %d cores), for"
                + " the step as measured (the schedule's sum); the replay's own compute, its waits overshooting on"
                + " loaded cores, is the \"compute\" row; efficiency is that row over the step.%n%n"
                + "| algorithm | ranks | hosts | model | wire | mode | steps | ms per step | model ms | model error |"
                + " efficiency |%n|---|---:|---:|---|---|---|---:|---:|---:|---:|---:|%n", fmt(emulatedGbit),
                replays.get(0).placement().ranks(), CORES));
        for (ReplayPoint r : replays) {
            double compute = replays.stream().filter(c -> c.mode() == ReplayRun.Mode.COMPUTE
                    && c.algorithm() == r.algorithm() && c.placement().equals(r.placement())
                    && c.model().equals(r.model())).mapToDouble(ReplayPoint::medianMs).findFirst().orElse(Double.NaN);
            LayerSchedule s = models.stream().map(Model::schedule).filter(m -> m.model().equals(r.model()))
                    .findFirst().orElseThrow();
            int ranks = r.placement().ranks();
            LongToDoubleFunction comm = n -> 1e3 * fit.predict(r.algorithm(), ranks, r.placement().hosts(), n,
                    AllReduceCost.cpuShare(ranks, CORES), r.wire());
            double model = switch (r.mode()) {
                case COMPUTE -> s.computeMs();
                // the replay waits the whole optimizer step on every rank: 1 rank's share
                case SEQUENTIAL -> OverlapModel.sequentialMs(s, 1, comm);
                case OVERLAPPED -> OverlapModel.overlappedMs(s, 1, 1, comm);
            };
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %d | %.1f | %.1f | %+.0f%% | %.0f%% |%n",
                    name(r.algorithm()), ranks, r.placement().hosts(), r.model(), name(r.wire()),
                    r.mode().name().toLowerCase(Locale.ROOT), r.steps(), r.medianMs(), model,
                    100 * (model - r.medianMs()) / r.medianMs(), 100 * compute / r.medianMs()));
        }
        return md.toString();
    }

    /** Predicted efficiency at 32, 64 and 128 executors for every variant, with issue 28's targets. */
    String predictions(List<Model> models) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n### Predicted scaling efficiency%n%n"
                + "%s Gbit/s links, %d one-core executors per host, %.0f us per hop (inside a host too), rank r on host"
                + " r mod H; per-worker batch 128 (weak scaling); the steps measured above. β is the fitted one scaled"
                + " from %s to %s Gbit/s; γ and κ as fitted, at one core per rank. The optimizer step is 1/E of the"
                + " measured one where sync mode shards it (the MLPs; the CNN's batch norm keeps it whole on every"
                + " rank), and whole in local SGD. Efficiency = compute (one process's whole step) / step; in"
                + " brackets the step, ms. Overlapped: as sync mode runs it (a reduce-scatter per bucket during the"
                + " backward, one all-gather of every parameter after it; the replicated step of a network with batch"
                + " norm does not overlap), OverlapModel at the best bucket cap of %s (named after the"
                + " cells), never above sequential.%n%n| model | target at 128 | algorithm | wire | overlap |"
                + " E = 32 | E = 64 | E = 128 |%n|---|---:|---|---|---|---:|---:|---:|%n", fmt(CLUSTER_GBIT), PER_HOST,
                HOP_SECONDS * 1e6, fmt(emulatedGbit), fmt(CLUSTER_GBIT), capList()));
        for (Model m : models) {
            LayerSchedule s = m.schedule();
            for (Algorithm a : List.of(Algorithm.RING, Algorithm.HIERARCHICAL)) {
                for (WireFormat wire : List.of(WireFormat.FP32, WireFormat.BF16)) {
                    for (boolean overlap : new boolean[] {false, true}) {
                        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |", s.model(), target(s),
                                name(a), name(wire), overlap ? "yes" : "no"));
                        for (int e : EXECUTORS) {
                            LongToDoubleFunction comm = cluster(lan, a, e, wire);
                            OverlapModel.Step step = overlap ? OverlapModel.bestSyncMode(s, e, comm)
                                    : new OverlapModel.Step(OverlapModel.sequentialMs(s, e, comm),
                                            LayerSchedule.ONE_BUCKET);
                            md.append(String.format(Locale.ROOT, " %.0f%% (%.1f%s) |",
                                    100 * OverlapModel.efficiency(s, step.ms()), step.ms(),
                                    overlap ? ", " + OverlapModel.capName(step.capFloats()) : ""));
                        }
                        md.append('\n');
                    }
                }
            }
        }
        md.append("\nAnchors (published, on GPUs, with the all-reduce overlapped with back-propagation in"
                + " size-capped buckets): Horovod 90% at 512 GPUs (Sergeev and Del Balso, 2018); Intel Caffe with MLSL"
                + " within 90% of linear from 1 to 128 Xeon nodes on ResNet-50; PyTorch DDP 90-93% per-GPU throughput at"
                + " 16 GPUs (Li et al., VLDB 2020).\n");
        return md.toString();
    }

    /** What each of issue 28's items 1-5 buys alone over the flat fp32 ring without overlap, at 128 executors. */
    String items(List<Model> models) {
        int e = EXECUTORS[EXECUTORS.length - 1];
        Fit inJvm = lan.withHops(HOP_SECONDS, JVM_HOP_SECONDS);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n### What each item buys, at %d executors"
                + "%n%nEfficiency (step, ms) on the cluster above; each item alone over the baseline (flat ring, fp32,"
                + " one all-reduce after the backward: sync mode before issue 28). 1: a host's ranks in one JVM"
                + " reduce through memory (the hierarchical terms with %.0f us per hop inside the host: a shared-memory"
                + " barrier; the bytes it copies and adds still at the fitted γ); 2: the torus (hierarchical, reduce-"
                + "scatter inside the host); 3: overlap with back-propagation as sync mode runs it, best bucket cap; 4: bf16 on the wire"
                + " (half the link bytes, the codec at the fitted κ); 5: local SGD (average mode, every %d steps,"
                + " parameters and Adam's state: 1/%d of an all-reduce of %dP per step); 1-3 and 1-4: together.%n%n"
                + "| model | baseline | 1 in-JVM level | 2 torus | 3 overlap | 4 bf16 | 5 local SGD | 1-3 together |"
                + " 1-4 together |%n|---|---:|---:|---:|---:|---:|---:|---:|---:|%n", e, JVM_HOP_SECONDS * 1e6, AVERAGE_EVERY, AVERAGE_EVERY,
                1 + ADAM_STATE));
        for (Model m : models) {
            LayerSchedule s = m.schedule();
            LongToDoubleFunction ring = cluster(lan, Algorithm.RING, e, WireFormat.FP32);
            double[] steps = {
                OverlapModel.sequentialMs(s, e, ring),
                OverlapModel.sequentialMs(s, e, cluster(inJvm, Algorithm.HIERARCHICAL, e, WireFormat.FP32)),
                OverlapModel.sequentialMs(s, e, cluster(lan, Algorithm.HIERARCHICAL, e, WireFormat.FP32)),
                OverlapModel.bestSyncMode(s, e, ring).ms(),
                OverlapModel.sequentialMs(s, e, cluster(lan, Algorithm.RING, e, WireFormat.BF16)),
                OverlapModel.localSgdMs(s, AVERAGE_EVERY, ADAM_STATE, ring),
                OverlapModel.bestSyncMode(s, e, cluster(inJvm, Algorithm.HIERARCHICAL, e, WireFormat.FP32)).ms(),
                OverlapModel.bestSyncMode(s, e, cluster(inJvm, Algorithm.HIERARCHICAL, e, WireFormat.BF16)).ms(),
            };
            md.append("| ").append(s.model());
            for (double ms : steps) {
                md.append(String.format(Locale.ROOT, " | %.0f%% (%.1f)", 100 * OverlapModel.efficiency(s, ms), ms));
            }
            md.append(" |\n");
        }
        md.append(String.format(Locale.ROOT, "%nWhere one all-reduce of every parameter goes at %d executors,"
                + " hierarchical (the torus), ms: the terms of the model (per hop; per byte on the link; per byte a core"
                + " copies and adds, at the fitted γ; the bf16 codec at the fitted κ).%n%n| model | wire | α·hops |"
                + " α_local·hops | β·bytes_link | γ·bytes_cpu | κ·floats_codec | all-reduce |%n"
                + "|---|---|---:|---:|---:|---:|---:|---:|%n", e));
        double[] constants = {lan.alphaLink(), lan.alphaLocal(), lan.beta(), lan.gamma(), lan.kappa()};
        for (Model m : models) {
            for (WireFormat wire : WireFormat.values()) {
                double[] f = AllReduceCost.features(Algorithm.HIERARCHICAL, e, e / PER_HOST,
                        m.schedule().parameters(), 1, wire);
                md.append("| ").append(m.schedule().model()).append(" | ").append(name(wire));
                double total = 0;
                for (int i = 0; i < f.length; i++) {
                    md.append(String.format(Locale.ROOT, " | %.1f", 1e3 * constants[i] * f[i]));
                    total += 1e3 * constants[i] * f[i];
                }
                md.append(String.format(Locale.ROOT, " | %.1f |%n", total));
            }
        }
        md.append(gammaNeeded(models, inJvm, e));
        return md.toString();
    }

    /**
     * γ, fitted here with 16 ranks taking turns on 2 loaded cores, is the least certain constant, and it dominates the
     * large all-reduces: the γ at which items 1-3 together reach each model's target, by bisection (the efficiency
     * falls as γ grows).
     */
    private String gammaNeeded(List<Model> models, Fit inJvm, int e) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%nThe copy-and-add cost γ at which items 1-3"
                + " together reach the target at %d executors (fitted here: %.3f ns/byte, %.2f GB/s per core):%n%n"
                + "| model | target | efficiency with the fitted γ | γ that reaches the target |%n|---|---:|---:|---|%n",
                e, inJvm.gamma() * 1e9, 1 / inJvm.gamma() / 1e9));
        for (Model m : models) {
            LayerSchedule s = m.schedule();
            double target = targetFraction(s);
            java.util.function.DoubleUnaryOperator efficiency = scale -> OverlapModel.efficiency(s,
                    OverlapModel.bestSyncMode(s, e, cluster(new Fit(inJvm.alphaLink(), inJvm.alphaLocal(), inJvm.beta(),
                            inJvm.gamma() * scale, inJvm.kappa()), Algorithm.HIERARCHICAL, e, WireFormat.FP32)).ms());
            String needed;
            if (Double.isNaN(target) || efficiency.applyAsDouble(1) >= target) {
                needed = "met with the fitted γ";
            } else if (efficiency.applyAsDouble(0) < target) {
                needed = String.format(Locale.ROOT, "none: with γ = 0, α and β leave %.1f%%",
                        100 * efficiency.applyAsDouble(0));
            } else {
                double lo = 0;
                double hi = 1;
                for (int i = 0; i < 50; i++) {
                    double mid = (lo + hi) / 2;
                    if (efficiency.applyAsDouble(mid) >= target) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                needed = String.format(Locale.ROOT, "<= %.3f ns/byte (>= %.1f GB/s)", inJvm.gamma() * lo * 1e9,
                        1 / (inJvm.gamma() * lo) / 1e9);
            }
            md.append(String.format(Locale.ROOT, "| %s | %s | %.0f%% | %s |%n", s.model(), target(s),
                    100 * efficiency.applyAsDouble(1), needed));
        }
        return md.toString();
    }

    /** Issue 28's target at 128 executors, by model name. */
    static String target(LayerSchedule s) {
        double t = targetFraction(s);
        return Double.isNaN(t) ? "-" : String.format(Locale.ROOT, ">= %.0f%%", 100 * t);
    }

    /** Issue 28's target at 128 executors as a fraction; NaN for a model it names none for. */
    static double targetFraction(LayerSchedule s) {
        String name = s.model().toLowerCase(Locale.ROOT);
        if (name.contains("cnn")) {
            return 0.95;
        }
        if (name.contains("100m")) {
            return 0.85;
        }
        return name.contains("mlp") ? 0.70 : Double.NaN;
    }

    private static String capList() {
        StringBuilder caps = new StringBuilder();
        for (long cap : OverlapModel.CAPS) {
            caps.append(caps.length() == 0 ? "" : ", ").append(OverlapModel.capName(cap));
        }
        return caps.toString();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
