package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/** Dropout (a layer of its own, or a layer's input dropout) is the identity at inference, and writes no node. */
class DropoutTranslatorTest {
    @TempDir
    Path dir;

    @Test
    void dropoutIsTheIdentity() throws Exception {
        var network = ExportFixture.stack(InputType.feedForward(10),
                new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(),
                new DropoutLayer.Builder(0.6).build(),
                new OutputLayer.Builder().nOut(4).dropOut(0.5).activation(Activation.SOFTMAX).build());
        ExportFixture.exportedMatches(network, 10, dir);
        assertTrue(OnnxExporter.export(network, "test").getGraph().getNodeList().stream()
                .noneMatch(n -> n.getOpType().startsWith("Dropout")), "no dropout node");
    }
}
