package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Small networks with random parameters (batch norm's running mean and log standard deviation included, so that no
 * statistic is trivial), exported and run in onnxruntime against DL4J's own {@code output()}.
 */
public final class ExportFixture {
    /** Float32 on both sides; the sums of a small layer agree far closer than this. */
    public static final double TOLERANCE = 1e-5;

    private ExportFixture() {
    }

    /** A layer stack on {@code input}, its parameters drawn uniformly from [-0.5, 0.5). */
    public static MultiLayerNetwork stack(InputType input, Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(7)
                .dataType(DataType.FLOAT).list();
        for (int i = 0; i < layers.length; i++) {
            list.layer(i, layers[i]);
        }
        MultiLayerConfiguration conf = list.setInputType(input).build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        randomize(network);
        return network;
    }

    public static void randomize(Model network) {
        Nd4j.getRandom().setSeed(11);
        network.setParams(Nd4j.rand(DataType.FLOAT, 1, network.numParams()).subi(0.5));
        // A variance kept as it is (not as a log standard deviation) must stay positive: in [0.1, 2.1).
        org.deeplearning4j.nn.api.Layer[] layers = network instanceof ComputationGraph graph ? graph.getLayers()
                : ((MultiLayerNetwork) network).getLayers();
        for (org.deeplearning4j.nn.api.Layer layer : layers) {
            INDArray variance = layer.paramTable().get("var");
            if (variance != null) {
                variance.assign(Nd4j.rand(DataType.FLOAT, variance.shape()).muli(2).addi(0.1));
            }
        }
    }

    /** Rows of {@code width} features in [0, 1). */
    public static INDArray rows(int count, long width) {
        Nd4j.getRandom().setSeed(13);
        return Nd4j.rand(DataType.FLOAT, count, width);
    }

    public static INDArray dl4jOutput(Model network, INDArray input) {
        return network instanceof ComputationGraph graph ? graph.output(false, input)[0]
                : ((MultiLayerNetwork) network).output(input, false);
    }

    /** Exports the network, checks the file with ONNX's checker and its outputs against DL4J's; returns the gap. */
    public static double exportedMatches(Model network, long width, Path dir) throws Exception {
        byte[] model = OnnxExporter.export(network, "test").toByteArray();
        INDArray input = rows(50, width);
        double difference = OnnxRun.maxDifference(model, input, dl4jOutput(network, input));
        assertTrue(difference <= TOLERANCE, "onnxruntime and DL4J differ by " + difference);
        OnnxRun.checkerAccepts(model, dir);
        return difference;
    }
}
