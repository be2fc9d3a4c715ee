package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.Main;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.ModelArchive;

/**
 * Every config shipped in {@code conf/} exports through {@code spark-ddp export} to an ONNX model that ONNX's checker
 * accepts and that onnxruntime runs to DL4J's own outputs, within 1e-5, on 1,000 rows of the config's data (the
 * test rows, topped up with training rows where the test set is smaller). The network is trained for two steps
 * first, and its batch norms' running statistics are then set to random values, so that no parameter is still at
 * its initial value and a misplaced statistic would show.
 */
class OnnxExportTest {
    private static final int ROWS = 1000;

    @TempDir
    Path dir;

    static java.util.stream.Stream<String> configs() throws java.io.IOException {
        return ShippedConfigsTest.configs();
    }

    @ParameterizedTest
    @MethodSource("configs")
    void exportedModelComputesWhatDl4jComputes(String name) throws Exception {
        Path file = TestData.REPO.resolve("conf").resolve(name);
        ConfigLoader.Loaded raw = ConfigLoader.load(new ConfigLoader.Source(file.toString(), Files.readString(file)),
                List.of());
        List<String> overrides = raw.config().data().format() == DataFormat.IDX
                ? List.of("data.train=" + TestData.TRAIN, "data.test=" + TestData.TEST)
                : List.of("data.train=" + TestData.REPO.resolve(raw.config().data().train()),
                "data.test=" + TestData.REPO.resolve(raw.config().data().test()));
        ConfigLoader.Loaded loaded = ConfigLoader.load(new ConfigLoader.Source(file.toString(),
                Files.readString(file)), overrides);
        Datasets data = TestData.load(loaded);
        Model network = NetworkFactory.build(NetworkSpec.of(loaded.config(), data.train().inputShape(),
                data.train().targetWidth())).dl4jModel();

        // Two training steps, then random running statistics.
        for (int step = 0; step < 2; step++) {
            int[] batch = IntStream.range(step * 64, (step + 1) * 64).toArray();
            DataSet examples = Minibatches.assemble(data.train(), batch);
            if (network instanceof ComputationGraph graph) {
                graph.fit(examples);
            } else {
                ((MultiLayerNetwork) network).fit(examples);
            }
        }
        Nd4j.getRandom().setSeed(5);
        Layer[] layers = network instanceof ComputationGraph graph ? graph.getLayers()
                : ((MultiLayerNetwork) network).getLayers();
        for (Layer layer : layers) {
            INDArray mean = layer.paramTable().get("mean");
            if (mean != null) {
                mean.assign(Nd4j.randn(DataType.FLOAT, mean.shape()).muli(0.3));
                layer.paramTable().get("log10stdev").assign(Nd4j.rand(DataType.FLOAT, mean.shape()).subi(0.5)
                        .muli(0.6));
            }
        }
        Path zip = dir.resolve("model.zip");
        ModelSerializer.writeModel(network, zip.toFile(), true);

        // Export through the command line.
        Path onnx = dir.resolve("model.onnx");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = Main.run(new String[] {"export", "--model", zip.toString(), "--output", onnx.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        byte[] model = Files.readAllBytes(onnx);

        INDArray rows = rows(data);
        INDArray dl4j = ModelArchive.read(zip.toString(), new Configuration()).output(rows);
        INDArray runtime = onnxruntime(model, rows);
        assertEquals(List.of(dl4j.shape()[0], dl4j.shape()[1]), List.of(runtime.shape()[0], runtime.shape()[1]));
        double difference = runtime.castTo(DataType.DOUBLE).sub(dl4j.castTo(DataType.DOUBLE)).amaxNumber()
                .doubleValue();
        System.out.printf(Locale.ROOT, "ONNX export of %s: %,d parameters, %,d bytes, command %.2f s; max |onnxruntime"
                + " - DL4J| = %.3g over %d rows%n", name, network.numParams(), model.length, seconds, difference,
                rows.rows());
        assertTrue(difference <= 1e-5, name + ": onnxruntime and DL4J differ by " + difference);
        checkerAccepts(onnx);
    }

    /** The first 1,000 rows of the test set, then of the training set. */
    private static INDArray rows(Datasets data) {
        int fromTest = Math.min(ROWS, data.test().size());
        INDArray test = Minibatches.assemble(data.test(), IntStream.range(0, fromTest).toArray()).getFeatures();
        if (fromTest == ROWS) {
            return test;
        }
        INDArray train = Minibatches.assemble(data.train(), IntStream.range(0, ROWS - fromTest).toArray())
                .getFeatures();
        return Nd4j.vstack(test, train);
    }

    private static INDArray onnxruntime(byte[] model, INDArray rows) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor input = OnnxTensor.createTensor(env, rows.castTo(DataType.FLOAT).toFloatMatrix());
                 OrtSession.Result result = session.run(Map.of("input", input))) {
                return Nd4j.create((float[][]) result.get("output").orElseThrow().getValue());
            }
        }
    }

    /** ONNX's own checker, from Debian's python3-onnx (deploy/test installs it); skipped where it is missing. */
    private static void checkerAccepts(Path onnx) throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python) && exec(List.of(python.toString(), "-c", "import onnx"))
                .startsWith("0:"), "ONNX's checker needs Debian's python3-onnx (apt-get install python3-onnx)");
        String result = exec(List.of(python.toString(), "-c", "import onnx, sys; onnx.checker.check_model("
                + "onnx.load(sys.argv[1]), full_check=True); print('ok')", onnx.toString()));
        assertEquals("0:ok", result.strip(), "ONNX's checker refused " + onnx);
    }

    /** The exit status and the output, as {@code status:output}; the output goes to a file, so the wait is bounded. */
    private static String exec(List<String> command) throws Exception {
        Path log = Files.createTempFile("onnx-checker", ".log");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after 120 s: " + command);
            }
            return p.exitValue() + ":" + Files.readString(log);
        } finally {
            Files.delete(log);
        }
    }
}
