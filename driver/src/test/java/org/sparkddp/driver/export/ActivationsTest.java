package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;

/**
 * Every activation spark-ddp configs offer exports, on a dense layer and as an activation layer on images (the form
 * a residual block's activation takes); one they do not offer is refused naming its layer.
 */
class ActivationsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "LEAKYRELU", "ELU", "TANH", "SIGMOID", "SOFTMAX",
            "IDENTITY"})
    void onRows(Activation activation) throws Exception {
        // Inputs in [-2.5, 2.5): both signs reach the activation.
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(6),
                new DenseLayer.Builder().nOut(7).activation(Activation.IDENTITY).build(),
                new DenseLayer.Builder().nOut(5).activation(activation).build(),
                new OutputLayer.Builder(org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MSE).nOut(3)
                        .activation(Activation.IDENTITY).build()), 6, dir);
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "LEAKYRELU", "ELU", "TANH", "SIGMOID", "IDENTITY"})
    void asALayerOnImages(Activation activation) throws Exception {
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.convolutionalFlat(5, 5, 1),
                new ConvolutionLayer.Builder(3, 3).nOut(2).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(),
                new ActivationLayer.Builder().activation(activation).build(),
                new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build()), 25, dir);
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"SOFTPLUS", "HARDTANH", "SWISH"})
    void othersAreRefusedNamingTheLayer(Activation activation) {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.feedForward(4), new DenseLayer.Builder().nOut(3).activation(activation)
                        .build(), new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals("cannot export layer 'layer0' (activation " + activation.getActivationFunction() + ") to ONNX:"
                + " this activation has no ONNX translation here", e.getMessage());
    }
}
