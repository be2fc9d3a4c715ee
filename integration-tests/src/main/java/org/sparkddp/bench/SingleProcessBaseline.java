package org.sparkddp.bench;

import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.driver.data.Datasets;

/**
 * The same job as {@code spark-ddp train}, on one machine with plain DL4J: the same network, seed and global
 * batches, in the same order, trained with {@code MultiLayerNetwork.fit}. The comparison point for every speed
 * and accuracy figure. Runs in one JVM, no Spark.
 *
 * <p>Usage: {@code SingleProcessBaseline --config FILE [--set key=value ...]}. Prints one line per epoch and a
 * final {@code RESULT {json}} line for the benchmark to parse.
 */
public final class SingleProcessBaseline {
    private SingleProcessBaseline() {
    }

    public static void main(String[] args) throws Exception {
        ConfigLoader.Loaded loaded = BenchArgs.load(args);
        SparkDdpConfig config = loaded.config();
        Datasets data = Datasets.load(config.data(), TargetKind.of(config.model()), new Configuration());
        var t = config.training();
        NetworkSpec spec = NetworkSpec.of(config, data.train().inputShape(), data.train().targetWidth());
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        network.init();

        List<int[]> batches = GlobalBatches.of(data.train().size(), config.data().virtualShards(), t.seed(), t.batchSize(), t.epochs(),
                t.maxIterations().orElse(Long.MAX_VALUE));
        int perEpoch = GlobalBatches.of(data.train().size(), config.data().virtualShards(), t.seed(), t.batchSize(), 1,
                Long.MAX_VALUE).size();
        // The same allocation-free batch assembly the workers use, so that ratios compare training, not pipelines.
        MinibatchBuffer buffer = new MinibatchBuffer(t.batchSize(), spec.numInputs(), spec.numOutputs());
        BaselineReport report = new BaselineReport("single-process DL4J")
                .with("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "default"))
                .with("iterations", batches.size());
        for (int epoch = 0; epoch * perEpoch < batches.size(); epoch++) {
            double lossSum = 0;
            long epochExamples = 0;
            long start = System.nanoTime();
            for (int[] batch : batches.subList(epoch * perEpoch, Math.min(batches.size(), (epoch + 1) * perEpoch))) {
                network.fit(buffer.assemble(data.train(), batch));
                lossSum += network.score() * batch.length;
                epochExamples += batch.length;
            }
            long epochNanos = System.nanoTime() - start;
            report.epoch(epochNanos, epochExamples, lossSum / epochExamples, evaluate(network, data.test()));
        }
        report.print();
    }

    static ClassificationAggregator evaluate(MultiLayerNetwork network, LabeledExamples test) {
        ClassificationAggregator aggregator = new ClassificationAggregator(test.targetWidth());
        for (int from = 0; from < test.size(); from += 1000) {
            int[] rows = IntStream.range(from, Math.min(test.size(), from + 1000)).toArray();
            DataSet ds = Minibatches.assemble(test, rows);
            int[] labels = IntStream.of(rows).map(r -> test.classLabels().labels()[r]).toArray();
            aggregator.add(network.output(ds.getFeatures(), false), labels);
        }
        return aggregator;
    }
}
