package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Deconvolution2D;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The exporter as a whole: a graph with a residual join (element-wise Add), the model's declared opset, input and
 * output, and the one-line refusal, naming the layer or vertex, of anything without an exact translation.
 */
class OnnxExporterTest {
    @TempDir
    Path dir;

    /** A residual block as spark-ddp builds one: conv - bn - relu - conv - bn, plus the input, then relu. */
    private static ComputationGraph residual(boolean merge) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).graphBuilder().addInputs("input")
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "input")
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "stem")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "conv1")
                .addLayer("act1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
                .addLayer("conv2", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "act1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "conv2")
                .addVertex("sum", merge ? new MergeVertex() : new ElementWiseVertex(ElementWiseVertex.Op.Add),
                        "bn2", "stem")
                .addLayer("out", new ActivationLayer.Builder().activation(Activation.RELU).build(), "sum")
                .addLayer("pool", new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                        .build(), "out")
                .addLayer("output", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX).build(), "pool");
        ComputationGraph graph = new ComputationGraph(b.setOutputs("output")
                .setInputTypes(InputType.convolutionalFlat(6, 6, 1)).build());
        graph.init();
        ExportFixture.randomize(graph);
        return graph;
    }

    @Test
    void aResidualGraph() throws Exception {
        ExportFixture.exportedMatches(residual(false), 36, dir);
    }

    @Test
    void theModelDeclaresItsOpsetInputAndOutput() {
        Onnx.ModelProto model = OnnxExporter.export(ExportFixture.stack(InputType.feedForward(5),
                new DenseLayer.Builder().nOut(4).build(),
                new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "model.zip");
        assertEquals(OnnxGraph.IR_VERSION, model.getIrVersion());
        assertEquals(1, model.getOpsetImportCount());
        assertEquals(OnnxGraph.OPSET, model.getOpsetImport(0).getVersion());
        assertEquals("", model.getOpsetImport(0).getDomain());
        assertEquals(OnnxExporter.INPUT, model.getGraph().getInput(0).getName());
        assertEquals(5, model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
        assertEquals(OnnxExporter.OUTPUT, model.getGraph().getOutput(0).getName());
        assertEquals(2, model.getGraph().getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
    }

    @Test
    void anUnsupportedLayerIsOneLineNamingIt() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.convolutionalFlat(6, 6, 1),
                        new ConvolutionLayer.Builder(3, 3).nOut(2).build(),
                        new LocalResponseNormalization.Builder().build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals("cannot export layer 'layer1' (LocalResponseNormalization) to ONNX: this layer kind has no ONNX"
                + " translation here (exported: dense, output, convolution, pooling, batch norm, dropout, activation,"
                + " PReLU)", e.getMessage());
    }

    @Test
    void aSubclassOfAnExportedLayerIsRefusedNotExportedAsItsParent() {
        NotExportableException e = assertThrows(NotExportableException.class, () -> OnnxExporter.export(
                ExportFixture.stack(InputType.convolutionalFlat(4, 4, 1),
                        new Deconvolution2D.Builder().kernelSize(2, 2).nOut(2).build(),
                        new GlobalPoolingLayer.Builder(PoolingType.MAX).build(),
                        new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()), "test"));
        assertEquals(1, e.getMessage().lines().count());
        assertEquals(true, e.getMessage().startsWith("cannot export layer 'layer0' (Deconvolution2D) to ONNX"),
                e.getMessage());
    }

    @Test
    void anUnsupportedVertexIsOneLineNamingIt() {
        NotExportableException e = assertThrows(NotExportableException.class,
                () -> OnnxExporter.export(residual(true), "test"));
        assertEquals("cannot export layer 'sum' (MergeVertex) to ONNX: this vertex kind has no ONNX translation here"
                + " (exported: layers and element-wise Add)", e.getMessage());
    }

    @Test
    void aModelPastAnOnnxFilesTwoGibibytesIsRefusedInOneLine() {
        OnnxExporter.checkSize(475_000_000L, "small.zip"); // 1.9 GB of weights still fit
        var e = assertThrows(org.sparkddp.common.error.InvalidInputException.class,
                () -> OnnxExporter.checkSize(600_000_000L, "big.zip"));
        assertEquals("cannot export big.zip to ONNX: its 600,000,000 parameters take 2,400,000,000 bytes, and an ONNX"
                + " file holds at most 2 GiB in one protobuf message (ONNX's external-data format is not written)",
                e.getMessage());
    }
}
