package org.sparkddp.it;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.TrainingConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.plan.GlobalBatches;

/** Plain single-process DL4J, fed exactly the global batches the distributed run used: the reference. */
final class SingleMachine {
    private SingleMachine() {
    }

    static MultiLayerNetwork freshNetwork(NetworkSpec spec) {
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        network.init();
        return network;
    }

    /**
     * The run's global batches, each arranged as the workers hold it (worker 0's share, then worker 1's, ...): the
     * same examples whatever the number of workers, in the order that makes DL4J's sums over the batch round as
     * the workers' summed shares do.
     */
    static List<int[]> batches(LabeledExamples train, TrainingConfig t) {
        return GlobalBatches.shares(train.size(), DataConfig.DEFAULT_VIRTUAL_SHARDS, t.workers(), t.seed(),
                t.batchSize(), t.epochs(), t.maxIterations().orElse(Long.MAX_VALUE)).stream()
                .map(shares -> java.util.Arrays.stream(shares).flatMapToInt(java.util.Arrays::stream).toArray())
                .toList();
    }

    /** Trains with {@code MultiLayerNetwork.fit}, one call per global batch. */
    static MultiLayerNetwork train(NetworkSpec spec, LabeledExamples train, TrainingConfig t) {
        MultiLayerNetwork network = freshNetwork(spec);
        for (int[] batch : batches(train, t)) {
            DataSet ds = Minibatches.assemble(train, batch);
            network.fit(ds);
        }
        return network;
    }
}
