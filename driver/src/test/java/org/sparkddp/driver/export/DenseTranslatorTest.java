package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Dense and output layers export as Gemm (with or without a bias) and the activation; any loss exports. */
class DenseTranslatorTest {
    @TempDir
    Path dir;

    @Test
    void denseLayersAndASoftmaxOutput() throws Exception {
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(12),
                new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(),
                new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5).activation(Activation.SOFTMAX)
                        .build()), 12, dir);
    }

    @Test
    void withoutBiasAndASigmoidOrIdentityOutput() throws Exception {
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(7),
                new DenseLayer.Builder().nOut(9).hasBias(false).activation(Activation.ELU).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID)
                        .build()), 7, dir);
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(7),
                new DenseLayer.Builder().nOut(9).activation(Activation.LEAKYRELU).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2).hasBias(false)
                        .activation(Activation.IDENTITY).build()), 7, dir);
    }

    @Test
    void layerNormalizationInsideADenseLayerIsRefused() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.feedForward(4),
                        new DenseLayer.Builder().nOut(3).hasLayerNorm(true).build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals("cannot export layer 'layer0' (DenseLayer) to ONNX: layer normalization inside a dense layer is"
                + " not exported", e.getMessage());
    }
}
