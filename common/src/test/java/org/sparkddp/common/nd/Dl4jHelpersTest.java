package org.sparkddp.common.nd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.deeplearning4j.config.DL4JClassLoading;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class Dl4jHelpersTest {
    @Test
    void dl4jFindsTheEnvironmentClassItLooksUpAndGetsTheBuildsAnswer() throws Exception {
        // The same lookup BaseMKLDNNHelper.mklDnnEnabled() makes, by the same name.
        Class<?> environment = DL4JClassLoading.loadClassByName("org.nd4j.nativeblas.Nd4jCpu$Environment");
        assertNotNull(environment, "DL4J cannot load org.nd4j.nativeblas.Nd4jCpu$Environment");
        Object instance = environment.getMethod("getInstance").invoke(null);
        assertEquals(Dl4jHelpers.helpersAllowed(), environment.getMethod("isUseMKLDNN").invoke(instance));
        assertEquals(Dl4jHelpers.helpersAllowed(), BaseMKLDNNHelper.mklDnnEnabled());
    }

    @Test
    void convolutionGetsItsHelperWheneverNd4jAllowsHelpers() {
        Dl4jHelpers.enable();
        assertEquals("false", System.getProperty(Dl4jHelpers.DISABLE_PROPERTY));
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same).build())
                .layer(new OutputLayer.Builder().nOut(2).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        String helper = network.getLayer(0).getHelper() == null ? "none"
                : network.getLayer(0).getHelper().getClass().getSimpleName();
        assertEquals(Dl4jHelpers.helpersAllowed() ? "MKLDNNConvHelper" : "none", helper);
    }
}
