package org.sparkddp.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.AutoEncoder;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.driver.export.ExportFixture;
import org.sparkddp.driver.export.OnnxRun;
import org.sparkddp.driver.output.ModelArchive;

/**
 * {@code spark-ddp export} through the command line: the file it writes runs in onnxruntime as the model.zip runs in
 * DL4J; an existing output is kept unless --overwrite; a layer without an exact ONNX form, a missing model or a
 * missing option is one line on stderr, exit status 2, and no file.
 */
class ExportCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path modelZip(MultiLayerNetwork network) throws Exception {
        Path zip = dir.resolve("model.zip");
        ModelSerializer.writeModel(network, zip.toFile(), true);
        return zip;
    }

    @Test
    void writesAModelThatComputesWhatTheModelZipComputes() throws Exception {
        Path zip = modelZip(ExportFixture.stack(InputType.convolutionalFlat(6, 6, 1),
                new ConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same).build(),
                new BatchNormalization.Builder().build(),
                new DenseLayer.Builder().nOut(5).activation(Activation.RELU).build(),
                new OutputLayer.Builder().nOut(4).activation(Activation.SOFTMAX).build()));
        Path onnx = dir.resolve("model.onnx");
        Run r = run("export", "--model", zip.toString(), "--output", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("exported " + zip + " ("), r.out());
        assertTrue(r.out().contains("ONNX opset 13"), r.out());

        byte[] model = Files.readAllBytes(onnx);
        INDArray rows = ExportFixture.rows(40, 36);
        INDArray dl4j = ModelArchive.read(zip.toString(), new org.apache.hadoop.conf.Configuration()).output(rows);
        double difference = OnnxRun.maxDifference(model, rows, dl4j);
        assertTrue(difference <= 1e-5, "onnxruntime and DL4J differ by " + difference);
        OnnxRun.checkerAccepts(model, dir);
    }

    @Test
    void anExistingOutputIsKeptUnlessOverwrite() throws Exception {
        Path zip = modelZip(ExportFixture.stack(InputType.feedForward(3),
                new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()));
        Path onnx = Files.writeString(dir.resolve("model.onnx"), "earlier");
        Run refused = run("export", "--model", zip.toString(), "--output", onnx.toString());
        assertEquals(2, refused.code(), refused.err());
        assertEquals(1, refused.err().lines().count(), refused.err());
        assertTrue(refused.err().startsWith("spark-ddp: error: --output: '" + onnx + "' exists already; pass"
                + " --overwrite"), refused.err());
        assertEquals("earlier", Files.readString(onnx));

        Run replaced = run("export", "--model", zip.toString(), "--output", onnx.toString(), "--overwrite");
        assertEquals(0, replaced.code(), replaced.err());
        assertFalse(Files.readString(onnx, StandardCharsets.ISO_8859_1).equals("earlier"));
    }

    @Test
    void aLayerWithoutAnExactOnnxFormIsOneLineNamingItAndNoFile() throws Exception {
        Path zip = modelZip(ExportFixture.stack(InputType.feedForward(3),
                new DenseLayer.Builder().nOut(4).build(),
                new AutoEncoder.Builder().nOut(4).build(),
                new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build()));
        Path onnx = dir.resolve("model.onnx");
        Run r = run("export", "--model", zip.toString(), "--output", onnx.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("spark-ddp: error: cannot export layer 'layer1' (AutoEncoder)"
                + " to ONNX: this layer kind has no ONNX translation here"), r.err());
        assertEquals("", r.out());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "only model.zip: nothing written");
        }
    }

    @Test
    void aMissingModelOrOptionIsOneLine() {
        Run missing = run("export", "--model", dir.resolve("none.zip").toString(), "--output",
                dir.resolve("m.onnx").toString());
        assertEquals(2, missing.code(), missing.err());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("none.zip"), missing.err());

        Run noOutput = run("export", "--model", "model.zip");
        assertEquals(2, noOutput.code());
        assertEquals("spark-ddp: error: export needs --model FILE --output FILE (see --help)",
                noOutput.err().strip());
    }

    @Test
    void helpDescribesTheCommandAndItsOptions() {
        Run r = run("export", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("usage: spark-ddp export --model FILE --output FILE"), r.out());
        assertTrue(r.out().contains("\nwrite a model.zip's network as an ONNX model"), r.out());
        assertTrue(r.out().contains("--output FILE     the .onnx file export writes"), r.out());
        assertTrue(r.out().contains("  --overwrite"), r.out());
    }
}
