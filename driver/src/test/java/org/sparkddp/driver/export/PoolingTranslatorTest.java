package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;

/** Max and average pooling export as MaxPool and AveragePool, padding counted in the average exactly as DL4J does. */
class PoolingTranslatorTest {
    @TempDir
    Path dir;

    private void pool(SubsamplingLayer pool) throws Exception {
        // A convolution first, so the pooled values are signed (max pooling over [0, 1) inputs would hide a sign bug).
        ExportFixture.exportedMatches(ExportFixture.stack(InputType.convolutionalFlat(9, 9, 1),
                new ConvolutionLayer.Builder(2, 2).nOut(3).convolutionMode(ConvolutionMode.Same).build(), pool,
                new OutputLayer.Builder().nOut(4).activation(Activation.SOFTMAX).build()), 81, dir);
    }

    @Test
    void maxPooling() throws Exception {
        pool(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate).build());
        pool(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).build());
        // 9 pixels, windows of 2 every 2: one pixel of padding, at the bottom and right only.
        pool(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same).build());
    }

    @Test
    void averagePoolingInSameModeWithUnevenPadding() throws Exception {
        for (boolean countPadding : new boolean[] {true, false}) {
            pool(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                    .avgPoolIncludePadInDivisor(countPadding).convolutionMode(ConvolutionMode.Same).build());
        }
    }

    @Test
    void averagePoolingOverTheWholeImageAndWithPadding() throws Exception {
        pool(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(9, 9).stride(1, 1)
                .convolutionMode(ConvolutionMode.Truncate).build());
        for (boolean countPadding : new boolean[] {true, false}) {
            pool(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(3, 3).stride(2, 2).padding(1, 1)
                    .avgPoolIncludePadInDivisor(countPadding).convolutionMode(ConvolutionMode.Truncate).build());
        }
    }

    @Test
    void pnormPoolingIsRefused() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.convolutionalFlat(4, 4, 1),
                        new SubsamplingLayer.Builder(PoolingType.PNORM).pnorm(2).kernelSize(2, 2).stride(2, 2).build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals("cannot export layer 'layer0' (SubsamplingLayer) to ONNX: pooling type PNORM (max and average"
                + " are exported)", e.getMessage());
    }
}
