package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/**
 * Batch norm exports in inference form, with running statistics that are far from the initial zero mean and unit
 * variance (every parameter is random), per feature of rows and per channel of images, and with both of DL4J's ways
 * of keeping the variance. DL4J ignores the activation a batch-norm configuration carries, and so must the export.
 */
class BatchNormTranslatorTest {
    @TempDir
    Path dir;

    @Test
    void perFeatureOfRows() throws Exception {
        for (boolean logStd : new boolean[] {true, false}) {
            ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(6),
                    new DenseLayer.Builder().nOut(5).activation(Activation.IDENTITY).build(),
                    new BatchNormalization.Builder().useLogStd(logStd).eps(1e-3).build(),
                    new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build()), 6, dir);
        }
    }

    @Test
    void perChannelOfImages() throws Exception {
        for (boolean logStd : new boolean[] {true, false}) {
            ExportFixture.exportedMatches(ExportFixture.stack(InputType.convolutionalFlat(6, 6, 2),
                    new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).build(),
                    new BatchNormalization.Builder().useLogStd(logStd).activation(Activation.RELU).build(),
                    new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build()), 72, dir);
        }
    }

    @Test
    void lockedGammaAndBetaAreRefused() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.feedForward(3), new BatchNormalization.Builder().lockGammaBeta(true)
                                .build(), new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()),
                "test"));
        assertEquals("cannot export layer 'layer0' (BatchNormalization) to ONNX: locked gamma and beta are not"
                + " exported", e.getMessage());
    }
}
