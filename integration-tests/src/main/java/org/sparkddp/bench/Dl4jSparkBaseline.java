package org.sparkddp.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.GlobalBatches;
import org.sparkddp.common.wire.WireKryoRegistrator;
import org.sparkddp.driver.data.Datasets;

/**
 * The peer we replace: DL4J's own Spark trainer, {@code SparkDl4jMultiLayer} with a
 * {@code ParameterAveragingTrainingMaster} (averaging frequency 5), on the same network, seed, examples and
 * per-worker batch as spark-ddp. Runs a local Spark driver in this JVM.
 *
 * <p>Usage: {@code Dl4jSparkBaseline --config FILE [--set key=value ...]}; prints {@code RESULT {json}}.
 */
public final class Dl4jSparkBaseline {
    private static final int AVERAGING_FREQUENCY = 5;

    private Dl4jSparkBaseline() {
    }

    /** DL4J's default (Export: minibatches written to temporary files, then trained from them) or Direct. */
    private static RDDTrainingApproach approach() {
        return RDDTrainingApproach.valueOf(System.getProperty("sparkddp.bench.dl4j.approach", "Export"));
    }

    public static void main(String[] args) throws Exception {
        // DL4J Spark's training stats ask an NTP server for the time; there is no network here.
        System.setProperty("org.deeplearning4j.spark.time.TimeSource",
                "org.deeplearning4j.spark.time.SystemClockTimeSource");
        ConfigLoader.Loaded loaded = BenchArgs.load(args);
        SparkDdpConfig config = loaded.config();
        var t = config.training();
        Datasets data = Datasets.load(config.data(), TargetKind.of(config.model()), new Configuration());
        NetworkSpec spec = NetworkSpec.of(config, data.train().inputShape(), data.train().targetWidth());
        int perWorker = t.batchSize() / t.workers();

        SparkConf sparkConf = new SparkConf().setAppName("dl4j-spark-baseline")
                .setMaster(config.spark().master())
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator," + WireKryoRegistrator.class.getName());
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            ParameterAveragingTrainingMaster master = new ParameterAveragingTrainingMaster.Builder(t.workers(), perWorker)
                    .averagingFrequency(AVERAGING_FREQUENCY)
                    .batchSizePerWorker(perWorker)
                    .workerPrefetchNumBatches(2)
                    .rddTrainingApproach(approach())
                    .rngSeed(t.seed())
                    .build();
            SparkDl4jMultiLayer network = new SparkDl4jMultiLayer(sc, NetworkFactory.configuration(spec), master);

            // The same global batches spark-ddp uses, cut into per-worker minibatches.
            List<int[]> batches = GlobalBatches.of(data.train().size(), config.data().virtualShards(), t.seed(), t.batchSize(), t.epochs(),
                    t.maxIterations().orElse(Long.MAX_VALUE));
            int perEpoch = GlobalBatches.of(data.train().size(), config.data().virtualShards(), t.seed(), t.batchSize(), 1,
                    Long.MAX_VALUE).size();
            BaselineReport report = new BaselineReport("DL4J Spark parameter averaging")
                    .with("approach", approach().name());
            // The examples reach the executors once, as a broadcast, and the minibatches are cached there, as
            // spark-ddp's shards are: parallelizing the DataSets themselves would put the whole dataset inside
            // every task of every averaging round.
            Broadcast<LabeledExamples> bcTrain = sc.broadcast(data.train());
            for (int epoch = 0; epoch * perEpoch < batches.size(); epoch++) {
                List<int[]> rowsOfMinibatches = new ArrayList<>();
                long epochExamples = 0;
                for (int[] batch : batches.subList(epoch * perEpoch, Math.min(batches.size(), (epoch + 1) * perEpoch))) {
                    for (int from = 0; from < batch.length; from += perWorker) {
                        rowsOfMinibatches.add(java.util.Arrays.copyOfRange(batch, from, Math.min(batch.length, from + perWorker)));
                    }
                    epochExamples += batch.length;
                }
                JavaRDD<DataSet> rdd = sc.parallelize(rowsOfMinibatches, t.workers())
                        .map(rows -> Minibatches.assemble(bcTrain.value(), rows));
                if (approach() == RDDTrainingApproach.Export) {
                    rdd = rdd.persist(StorageLevel.MEMORY_ONLY()); // Direct persists the RDD itself
                    rdd.count();
                }
                long start = System.nanoTime();
                network.fit(rdd);
                long epochNanos = System.nanoTime() - start;
                rdd.unpersist(false);
                report.epoch(epochNanos, epochExamples, network.getScore(),
                        SingleProcessBaseline.evaluate(network.getNetwork(), data.test()));
            }
            report.print();
        }
    }
}
