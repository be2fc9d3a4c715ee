package org.sparkddp.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.MinibatchBuffer;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.eval.ClassificationAggregator;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.PeakHeap;

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
        Datasets data = Datasets.load(config.data(), new Configuration());
        var t = config.training();
        NetworkSpec spec = new NetworkSpec(config.model(), config.optimizer(), t.seed(), data.train().numFeatures(),
                data.train().numClasses());
        MultiLayerNetwork network = new MultiLayerNetwork(NetworkFactory.configuration(spec));
        network.init();

        List<int[]> batches = GlobalBatches.of(data.train().size(), t.workers(), t.seed(), t.batchSize(), t.epochs(),
                t.maxIterations().orElse(Long.MAX_VALUE));
        int perEpoch = GlobalBatches.of(data.train().size(), t.workers(), t.seed(), t.batchSize(), 1,
                Long.MAX_VALUE).size();
        long trainNanos = 0;
        long examples = 0;
        double secondsTo85 = Double.NaN;
        ClassificationAggregator test = null;
        List<Map<String, Object>> epochs = new ArrayList<>();
        // The same allocation-free batch assembly the workers use, so that ratios compare training, not pipelines.
        MinibatchBuffer buffer = new MinibatchBuffer(t.batchSize(), spec.numInputs(), spec.numClasses());
        for (int epoch = 0; epoch * perEpoch < batches.size(); epoch++) {
            List<int[]> mine = batches.subList(epoch * perEpoch, Math.min(batches.size(), (epoch + 1) * perEpoch));
            double lossSum = 0;
            long epochExamples = 0;
            long start = System.nanoTime();
            for (int[] batch : mine) {
                DataSet ds = buffer.assemble(data.train(), batch);
                network.fit(ds);
                lossSum += network.score() * batch.length;
                epochExamples += batch.length;
            }
            long epochNanos = System.nanoTime() - start;
            trainNanos += epochNanos;
            examples += epochExamples;
            test = evaluate(network, data.test());
            if (Double.isNaN(secondsTo85) && test.accuracy() >= 0.85) {
                secondsTo85 = trainNanos / 1e9;
            }
            System.out.println(String.format(Locale.ROOT,
                    "single-process epoch %d · train loss %.4f · test loss %.4f · test accuracy %.4f · %,.0f samples/s",
                    epoch + 1, lossSum / epochExamples, test.meanLoss(), test.accuracy(), epochExamples / (epochNanos / 1e9)));
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("epoch", epoch + 1);
            e.put("test_accuracy", test.accuracy());
            e.put("train_seconds", trainNanos / 1e9);
            epochs.add(e);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("name", "single-process DL4J");
        result.put("threads", System.getenv().getOrDefault("OMP_NUM_THREADS", "default"));
        result.put("test_accuracy", test == null ? Double.NaN : test.accuracy());
        result.put("samples_per_second", examples / (trainNanos / 1e9));
        result.put("train_seconds", trainNanos / 1e9);
        result.put("seconds_to_0.85", secondsTo85);
        result.put("iterations", batches.size());
        result.put("peak_heap_mb", PeakHeap.megabytes());
        result.put("epochs", epochs);
        System.out.println("RESULT " + Json.line(result));
    }

    static ClassificationAggregator evaluate(MultiLayerNetwork network, LabeledExamples test) {
        ClassificationAggregator aggregator = new ClassificationAggregator(test.numClasses());
        for (int from = 0; from < test.size(); from += 1000) {
            int[] rows = IntStream.range(from, Math.min(test.size(), from + 1000)).toArray();
            DataSet ds = Minibatches.assemble(test, rows);
            int[] labels = IntStream.of(rows).map(r -> test.labels().labels()[r]).toArray();
            aggregator.add(network.output(ds.getFeatures(), false), labels);
        }
        return aggregator;
    }
}
