package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code SparkDdpModel.transform} builds its network once per executor task slot, not once per partition, and the
 * pooled networks give the network's own outputs. One local[2] session: one executor (this JVM) with 2 slots.
 */
class TransformNetworksTest {
    private static final int FEATURES = 6;
    private static final int PARTITIONS = 40;

    /** A small untrained softmax MLP, as model.zip bytes. */
    private static byte[] modelZip(MultiLayerNetwork net) throws java.io.IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, zip, false);
        return zip.toByteArray();
    }

    @Test
    void manyPartitionsShareTheExecutorsNetworks() throws Exception {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        SparkDdpModel model = SparkDdpModel.fromModelZip("test/model.zip", modelZip(net));

        SparkSession spark = SparkSession.builder().config(SparkDdpClassifier.configure(new SparkConf()
                .setMaster("local[2]").setAppName("transform-networks").set("spark.ui.enabled", "false")))
                .getOrCreate();
        try {
            Random random = new Random(11);
            List<Row> rows = new ArrayList<>();
            double[][] features = new double[400][FEATURES];
            for (int i = 0; i < features.length; i++) {
                for (int f = 0; f < FEATURES; f++) {
                    features[i][f] = random.nextGaussian();
                }
                rows.add(RowFactory.create(i, Vectors.dense(features[i])));
            }
            StructType schema = new StructType().add("id", DataTypes.IntegerType).add("features", new VectorUDT());
            Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(PARTITIONS);
            assertEquals(PARTITIONS, input.rdd().getNumPartitions());

            long before = ExecutorNetworks.builds();
            List<Row> out = model.transform(input).select("id", "probability").collectAsList();
            long built = ExecutorNetworks.builds() - before;
            // One executor with 2 task slots: at most 2 networks, however many partitions (40 before the pool).
            assertTrue(built >= 1 && built <= 2, built + " networks built for " + PARTITIONS + " partitions");

            // A second transform of the same model finds them idle.
            model.transform(input).count();
            assertEquals(built, ExecutorNetworks.builds() - before, "the second transform built networks again");

            assertEquals(features.length, out.size());
            INDArray expected = net.output(Nd4j.create(features).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                    false);
            for (Row r : out) {
                assertArrayEquals(expected.getRow(r.getInt(0)).toDoubleVector(), ((Vector) r.get(1)).toArray(), 1e-6);
            }
        } finally {
            spark.stop();
        }
    }
}
