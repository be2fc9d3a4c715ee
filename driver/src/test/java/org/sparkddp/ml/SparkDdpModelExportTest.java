package org.sparkddp.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.driver.export.ExportFixture;
import org.sparkddp.driver.export.OnnxRun;

/**
 * A Spark ML model exports the network it holds, as {@code spark-ddp export} does, without a Spark session; an
 * existing file is replaced only when asked to.
 */
class SparkDdpModelExportTest {
    @TempDir
    Path dir;

    @Test
    void exportsTheNetworkItHolds() throws Exception {
        MultiLayerNetwork network = ExportFixture.stack(InputType.feedForward(6),
                new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(),
                new DropoutLayer.Builder(0.7).build(),
                new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build());
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, zip, false);
        SparkDdpModel model = SparkDdpModel.fromModelZip("model.zip", zip.toByteArray());

        Path onnx = dir.resolve("model.onnx");
        model.exportOnnx(onnx.toString());
        INDArray rows = ExportFixture.rows(30, 6);
        double difference = OnnxRun.maxDifference(Files.readAllBytes(onnx), rows, network.output(rows, false));
        assertTrue(difference <= ExportFixture.TOLERANCE, "onnxruntime and DL4J differ by " + difference);

        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> model.exportOnnx(onnx.toString()));
        assertTrue(e.getMessage().startsWith("path: '" + onnx + "' exists already"), e.getMessage());
        Files.writeString(onnx, "stale");
        model.exportOnnx(onnx.toString(), true);
        assertEquals(0.0, OnnxRun.maxDifference(Files.readAllBytes(onnx), rows, network.output(rows, false)),
                ExportFixture.TOLERANCE);
    }
}
