package org.sparkddp.driver.export;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PReLULayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/** PReLU exports with its learned slopes, per unit of rows and per channel of images (as spark-ddp builds it). */
class PReLUTranslatorTest {
    @TempDir
    Path dir;

    @Test
    void perUnitOfRows() throws Exception {
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.feedForward(5),
                new DenseLayer.Builder().nOut(6).activation(Activation.IDENTITY).build(),
                new PReLULayer.Builder().inputShape(6).build(),
                new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), 5, dir);
    }

    @Test
    void perChannelOfImages() throws Exception {
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.convolutionalFlat(6, 6, 1),
                new ConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(),
                new PReLULayer.Builder().inputShape(3, 6, 6).sharedAxes(2, 3).build(),
                new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), 36, dir);
    }
}
