package org.sparkddp.it;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.common.plan.Seeds;

/**
 * Plain single-process DL4J for networks with batch norm or dropout: each global batch is fed as the workers' shares
 * ("ghost batches"), because batch norm normalizes with the statistics of the batch it sees, which on W workers is a
 * share. The shares' gradients are summed, batch norm's running-statistics updates averaged (weighted by examples),
 * and DL4J's updater takes one step with the global count. Dropout masks come from the same per-(iteration, worker)
 * seeds. With one worker this is exactly {@code fit} on the global batch.
 */
final class GhostBatchReference {
    private GhostBatchReference() {
    }

    static float[] train(NetworkSpec spec, LabeledExamples train, TrainingConfig t) {
        Model net;
        BaseMultiLayerUpdater<?> updater;
        if (spec.model().isGraph()) {
            ComputationGraph graph = new ComputationGraph(NetworkFactory.graphConfiguration(spec));
            graph.init();
            net = graph;
            updater = graph.getUpdater();
        } else {
            MultiLayerNetwork stack = new MultiLayerNetwork(NetworkFactory.configuration(spec));
            stack.init();
            net = stack;
            updater = (BaseMultiLayerUpdater<?>) stack.getUpdater();
        }
        List<INDArray> statistics = runningStatistics(net);
        long iteration = 0;
        for (int[][] shares : GlobalBatches.shares(train.size(), t.workers(), t.seed(), t.batchSize(), t.epochs(),
                t.maxIterations().orElse(Long.MAX_VALUE))) {
            INDArray sum = null;
            int total = 0;
            for (int w = 0; w < shares.length; w++) {
                if (shares[w].length == 0) {
                    continue;
                }
                Nd4j.getRandom().setSeed(Seeds.derive(t.seed(), Seeds.DROPOUT, iteration, w));
                DataSet ds = Minibatches.assemble(train, shares[w]);
                if (net instanceof ComputationGraph graph) {
                    graph.setInputs(ds.getFeatures());
                    graph.setLabels(ds.getLabels());
                    graph.computeGradientAndScore();
                } else {
                    MultiLayerNetwork stack = (MultiLayerNetwork) net;
                    stack.setInput(ds.getFeatures());
                    stack.setLabels(ds.getLabels());
                    stack.computeGradientAndScore();
                }
                for (INDArray s : statistics) {
                    s.muli(shares[w].length);
                }
                sum = sum == null ? net.getGradientsViewArray().dup() : sum.addi(net.getGradientsViewArray());
                total += shares[w].length;
            }
            net.getGradientsViewArray().assign(sum);
            for (INDArray s : statistics) {
                s.divi(total);
            }
            updater.update(net.gradient(), Math.toIntExact(iteration), 0, total, LayerWorkspaceMgr.noWorkspaces());
            net.params().subi(net.getGradientsViewArray());
            iteration++;
        }
        return net.params().toFloatVector();
    }

    /** Views of the gradient where batch norm keeps its running mean and variance (found by parameter name). */
    private static List<INDArray> runningStatistics(Model net) {
        List<INDArray> views = new ArrayList<>();
        INDArray gradient = net.getGradientsViewArray();
        long base = net.params().offset();
        for (var entry : net.paramTable().entrySet()) {
            String name = entry.getKey();
            if (name.endsWith("_mean") || name.endsWith("_var") || name.endsWith("_log10stdev")) {
                long from = entry.getValue().offset() - base;
                views.add(gradient.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + entry.getValue().length())));
            }
        }
        return views;
    }
}
