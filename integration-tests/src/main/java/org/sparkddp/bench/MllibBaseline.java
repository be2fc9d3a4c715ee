package org.sparkddp.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.LayerSpec;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.PeakHeap;

/**
 * Spark's own neural network: MLlib's {@code MultilayerPerceptronClassifier} with the same layer sizes, on the
 * same data. Its hidden layers are always sigmoid, and it trains with L-BFGS on the full dataset, one pass per
 * iteration, so "epochs" here are L-BFGS iterations. Runs a local Spark driver in this JVM.
 */
public final class MllibBaseline {
    private MllibBaseline() {
    }

    public static void main(String[] args) throws Exception {
        ConfigLoader.Loaded loaded = BenchArgs.load(args);
        SparkDdpConfig config = loaded.config();
        var t = config.training();
        Datasets data = Datasets.load(config.data(), TargetKind.of(config.model()), new Configuration());
        List<Integer> hidden = new ArrayList<>();
        for (LayerSpec layer : config.model().layers()) {
            if (!(layer instanceof LayerSpec.Dense dense)) {
                throw new IllegalArgumentException("the MLlib baseline takes dense layers only, not " + layer.type());
            }
            hidden.add(dense.units());
        }
        int[] layers = new int[hidden.size() + 2];
        layers[0] = data.train().numFeatures();
        for (int i = 0; i < hidden.size(); i++) {
            layers[i + 1] = hidden.get(i);
        }
        layers[layers.length - 1] = data.train().targetWidth();

        SparkSession spark = SparkSession.builder().appName("mllib-baseline").master(config.spark().master())
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> train = frame(spark, data.train(), t.workers()).persist(StorageLevel.MEMORY_ONLY());
            Dataset<Row> test = frame(spark, data.test(), t.workers()).persist(StorageLevel.MEMORY_ONLY());
            train.count();
            test.count();
            MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier().setLayers(layers)
                    .setBlockSize(t.batchSize()).setSeed(t.seed()).setMaxIter(t.epochs()).setTol(0.0);
            long start = System.nanoTime();
            MultilayerPerceptronClassificationModel model = mlp.fit(train);
            long trainNanos = System.nanoTime() - start;
            double accuracy = model.transform(test).filter("prediction = label").count() / (double) data.test().size();
            System.out.println(String.format(Locale.ROOT, "mllib mlp · %d L-BFGS iterations · test accuracy %.4f · %,.0f"
                    + " samples/s", t.epochs(), accuracy, (double) data.train().size() * t.epochs() / (trainNanos / 1e9)));
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", "Spark MLlib MLP (sigmoid, L-BFGS)");
            result.put("test_accuracy", accuracy);
            result.put("samples_per_second", (double) data.train().size() * t.epochs() / (trainNanos / 1e9));
            result.put("train_seconds", trainNanos / 1e9);
            // Evaluated once, at the end: only then is the time to 0.85 known, and only if it got there.
            result.put("seconds_to_0.85", accuracy >= 0.85 ? trainNanos / 1e9 : Double.NaN);
            result.put("peak_heap_mb", PeakHeap.megabytes());
            System.out.println("RESULT " + Json.line(result));
        } finally {
            spark.stop();
        }
    }

    private static Dataset<Row> frame(SparkSession spark, LabeledExamples examples, int partitions) {
        List<Row> rows = new ArrayList<>(examples.size());
        float[] row = new float[examples.numFeatures()];
        double[] values = new double[examples.numFeatures()];
        for (int i = 0; i < examples.size(); i++) {
            examples.features().copyRow(i, row, 0);
            for (int j = 0; j < row.length; j++) {
                values[j] = row[j];
            }
            rows.add(RowFactory.create((double) examples.classLabels().labels()[i], Vectors.dense(values.clone())));
        }
        StructType schema = new StructType(new StructField[] {
            new StructField("label", DataTypes.DoubleType, false, Metadata.empty()),
            new StructField("features", new VectorUDT(), false, Metadata.empty())});
        return spark.createDataFrame(rows, schema).repartition(partitions);
    }
}
