package org.sparkddp.worker.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Image layers with settings the engine does not compute are refused at compile time, naming the layer and why. */
class ImageFallbackTest {
    private static void refused(Layer layer, String reason) {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).convolutionMode(ConvolutionMode.Same).build())
                .layer(layer)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());
        network.init();
        network.initGradientsView(); // DL4J creates it lazily; the engine compiles over it
        Uncovered e = assertThrows(Uncovered.class, () -> EngineCompiler.compile(network, Shape.vector(64)));
        assertTrue(e.getMessage().startsWith("layer 1 (") && e.getMessage().contains(reason), e.getMessage());
    }

    @Test
    void settingsOutsideTheEngineAreNamed() {
        List<Supplier<Layer>> layers = List.of(
                () -> new ConvolutionLayer.Builder(3, 3).nOut(2).dilation(2, 2).build(),
                () -> new ConvolutionLayer.Builder(3, 3).nOut(2).hasBias(false).build(),
                () -> new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.PNORM).pnorm(2).kernelSize(2, 2)
                        .build(),
                () -> new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2)
                        .padding(1, 1).build(),
                () -> new BatchNormalization.Builder().lockGammaBeta(true).build());
        List<String> reasons = List.of("dilation [2, 2]", "without bias", "pooling type PNORM", "padding [1, 1]",
                "locked gamma and beta");
        for (int i = 0; i < layers.size(); i++) {
            refused(layers.get(i).get(), reasons.get(i));
        }
    }
}
