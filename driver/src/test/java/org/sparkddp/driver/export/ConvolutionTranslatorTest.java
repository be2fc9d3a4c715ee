package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/**
 * Convolutions export as Conv on NCHW images, from flat rows (DL4J's reshape before the first convolution) and back
 * to rows before the output layer. "Same" mode is checked where its padding is uneven (even kernels, stride 2 on an
 * even size), since there DL4J and ONNX must put the odd pixel on the same side.
 */
class ConvolutionTranslatorTest {
    @TempDir
    Path dir;

    private double conv(int size, ConvolutionLayer conv) throws Exception {
        return ExportFixture.exportedMatches(ExportFixture.stack(InputType.convolutionalFlat(size, size, 2), conv,
                new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build()), 2L * size * size, dir);
    }

    @Test
    void sameModeStrideOne() throws Exception {
        conv(8, new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.RELU).build());
    }

    @Test
    void sameModeWithUnevenPadding() throws Exception {
        conv(8, new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build());
        conv(7, new ConvolutionLayer.Builder(2, 2).nOut(3).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.TANH).build());
    }

    @Test
    void truncateModeWithPaddingAndWithoutBias() throws Exception {
        conv(9, new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(5).hasBias(false)
                .convolutionMode(ConvolutionMode.Truncate).activation(Activation.RELU).build());
    }

    @Test
    void dilationIsRefusedNamingTheLayer() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.convolutionalFlat(8, 8, 1), new ConvolutionLayer.Builder(3, 3)
                                .dilation(2, 2).nOut(2).convolutionMode(ConvolutionMode.Same).build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals("cannot export layer 'layer0' (ConvolutionLayer) to ONNX: dilation [2, 2] (only 1 is exported)",
                e.getMessage());
    }

    @Test
    void channelsLastIsRefused() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.convolutional(6, 6, 1, CNN2DFormat.NHWC), new ConvolutionLayer.Builder(3, 3)
                                .dataFormat(CNN2DFormat.NHWC).nOut(2).build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(true, e.getMessage().startsWith("cannot export layer 'layer0' ("), e.getMessage());
    }
}
