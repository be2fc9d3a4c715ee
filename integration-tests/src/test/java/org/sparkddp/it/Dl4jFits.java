package org.sparkddp.it;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.ScheduleType;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.config.UpdaterSpec;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.common.plan.Seeds;

/**
 * Single-process references for networks with batch norm or dropout, computed in the test JVM with DL4J's public
 * training calls only: {@code fit(DataSet)}, {@code clone()}, {@code params()} and {@code setParams}. Nothing here
 * touches a gradient, an updater or a running statistic; they are what is being checked.
 *
 * <p>Dropout: each fit draws its masks from ND4J's generator, seeded first as the distributed worker seeds it for
 * that (iteration, rank). DL4J's {@code fit} runs the same forward pass as {@code computeGradientAndScore} with no
 * random draw before it, so the masks are the same ones; the comparisons would be off by far more than their
 * tolerance otherwise.
 */
final class Dl4jFits {
    private Dl4jFits() {
    }

    /** A freshly initialized network of either kind, with the weights every distributed replica starts from. */
    static Model fresh(NetworkSpec spec) {
        if (spec.model().isGraph()) {
            ComputationGraph graph = new ComputationGraph(NetworkFactory.graphConfiguration(spec));
            graph.init();
            return graph;
        }
        MultiLayerNetwork stack = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        stack.init();
        return stack;
    }

    /**
     * Synchronous training on {@code t.workers()} workers, as DL4J computes it: for every global batch, a copy of the
     * network is fitted on each worker's share alone (a "ghost batch": batch norm normalizes with the share's own
     * statistics), all from the same parameters, and the copies' parameters are averaged, weighted by their
     * examples.
     *
     * <p>NOTE: that is one synchronous step only for plain SGD at a constant rate, where the step is linear in the
     * gradient: {@code θ - lr·Σ g_w / N = Σ (n_w / N)·(θ - lr·g_w / n_w)}, with {@code g_w} summed over share w's
     * {@code n_w} examples (an L2 or L1 penalty keeps it linear). Batch norm's running mean and variance (or log10
     * standard deviation) follow too, whatever DL4J's rule for their change {@code Δ_w}: DL4J 1.0.0-M2 gives them a
     * {@code NoOp} updater, so a fit applies {@code Δ_w} as is, and averaging {@code θ - Δ_w} by examples is applying
     * the example-weighted mean change, which is what the workers agree on. Adam, momentum or a schedule (the copies'
     * counters do not advance) would make it something else, so they are refused.
     */
    static float[] shareAveraged(NetworkSpec spec, LabeledExamples train, TrainingConfig t) {
        if (!(spec.optimizer().updater() instanceof UpdaterSpec.Sgd)
                || spec.optimizer().schedule().type() != ScheduleType.NONE
                || spec.optimizer().schedule().warmupIterations() != 0 || spec.optimizer().clipNorm() != null) {
            throw new IllegalArgumentException("averaging per-share fits equals a synchronous step only for plain SGD"
                    + " at a constant rate without clipping, not " + spec.optimizer());
        }
        Model net = fresh(spec);
        long iteration = 0;
        for (int[][] shares : shares(train, t)) {
            net.setParams(weightedMean(fitEachShare(net, train, shares, t.seed(), iteration)));
            iteration++;
        }
        return net.params().toFloatVector();
    }

    /** One worker's copy after fitting its share: its parameters, and the share's example count (its weight). */
    record Fitted(int examples, INDArray params) {
    }

    /**
     * A copy of {@code net} fitted by DL4J on each non-empty share of one global batch; {@code net} is unchanged.
     * Share w's dropout masks are those of rank w in global iteration {@code iteration}.
     */
    static List<Fitted> fitEachShare(Model net, LabeledExamples train, int[][] shares, long seed, long iteration) {
        List<Fitted> fitted = new ArrayList<>();
        for (int w = 0; w < shares.length; w++) {
            if (shares[w].length == 0) {
                continue; // a worker without examples adds nothing, and weighs nothing
            }
            Model copy = copy(net);
            Nd4j.getRandom().setSeed(Seeds.derive(seed, Seeds.DROPOUT, iteration, w));
            fit(copy, train, shares[w]);
            fitted.add(new Fitted(shares[w].length, copy.params().dup()));
        }
        return fitted;
    }

    /** {@code Σ n_w·θ_w / Σ n_w}. */
    static INDArray weightedMean(List<Fitted> fitted) {
        INDArray sum = Nd4j.zeros(DataType.FLOAT, fitted.get(0).params().shape());
        int total = 0;
        for (Fitted f : fitted) {
            sum.addi(f.params().mul(f.examples()));
            total += f.examples();
        }
        return sum.divi(total);
    }

    /**
     * Plain DL4J {@code fit} on each whole global batch, dropout seeded as the one worker (rank 0) seeds it: what
     * training on one worker must equal, with any optimizer.
     */
    static float[] oneWorker(NetworkSpec spec, LabeledExamples train, TrainingConfig t) {
        if (t.workers() != 1) {
            throw new IllegalArgumentException("with " + t.workers() + " workers, batch norm sees shares, not batches");
        }
        Model net = fresh(spec);
        long iteration = 0;
        for (int[][] shares : shares(train, t)) {
            Nd4j.getRandom().setSeed(Seeds.derive(t.seed(), Seeds.DROPOUT, iteration, 0));
            fit(net, train, shares[0]);
            iteration++;
        }
        return net.params().toFloatVector();
    }

    static List<int[][]> shares(LabeledExamples train, TrainingConfig t) {
        return GlobalBatches.shares(train.size(), DataConfig.DEFAULT_VIRTUAL_SHARDS, t.workers(), t.seed(), t.batchSize(), t.epochs(),
                t.maxIterations().orElse(Long.MAX_VALUE));
    }

    private static Model copy(Model net) {
        return net instanceof ComputationGraph graph ? graph.clone() : ((MultiLayerNetwork) net).clone();
    }

    private static void fit(Model net, LabeledExamples train, int[] rows) {
        if (net instanceof ComputationGraph graph) {
            graph.fit(Minibatches.assemble(train, rows));
        } else {
            ((MultiLayerNetwork) net).fit(Minibatches.assemble(train, rows));
        }
    }
}
