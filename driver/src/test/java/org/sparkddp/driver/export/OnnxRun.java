package org.sparkddp.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs an exported model the way its users will: in onnxruntime, and through ONNX's own checker (Debian's
 * python3-onnx, where it is installed).
 */
public final class OnnxRun {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    /** Whether python3-onnx imports: asked once per JVM, not once per model (each ask starts a Python). */
    private static Boolean checkerInstalled;

    private OnnxRun() {
    }

    /** The model's {@code output} for the rows of {@code input}, computed by onnxruntime. */
    public static INDArray outputs(byte[] model, INDArray input) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(model, options);
                 OnnxTensor rows = OnnxTensor.createTensor(env, input.castTo(DataType.FLOAT).toFloatMatrix());
                 OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, rows))) {
                assertEquals(List.of(OnnxExporter.OUTPUT), List.copyOf(session.getOutputNames()));
                return Nd4j.create((float[][]) result.get(0).getValue());
            }
        }
    }

    /** The largest absolute difference between onnxruntime's outputs and DL4J's, after checking their shapes. */
    public static double maxDifference(byte[] model, INDArray input, INDArray dl4j) throws OrtException {
        INDArray onnx = outputs(model, input);
        assertEquals(List.of(dl4j.shape()[0], dl4j.shape()[1]), List.of(onnx.shape()[0], onnx.shape()[1]),
                "output shape");
        return onnx.castTo(DataType.DOUBLE).sub(dl4j.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /**
     * ONNX's checker (with full shape inference) accepts the model; skipped, with the reason, where Debian's
     * python3-onnx is not installed (deploy/test installs it).
     */
    public static void checkerAccepts(byte[] model, Path dir) throws IOException, InterruptedException {
        Assumptions.assumeTrue(checkerInstalled(),
                "ONNX's checker needs Debian's python3-onnx (apt-get install python3-onnx)");
        Path file = Files.write(Files.createTempFile(dir, "checked", ".onnx"), model);
        Result r = run(List.of(PYTHON.toString(), "-c", "import onnx, sys; "
                + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')", file.toString()));
        assertEquals(0, r.exit(), "ONNX's checker refused the model: " + r.text());
        assertTrue(r.text().strip().endsWith("ok"), r.text());
    }

    private static synchronized boolean checkerInstalled() throws IOException, InterruptedException {
        if (checkerInstalled == null) {
            checkerInstalled = Files.isExecutable(PYTHON)
                    && run(List.of(PYTHON.toString(), "-c", "import onnx")).exit() == 0;
        }
        return checkerInstalled;
    }

    private record Result(int exit, String text) {
    }

    /** Runs {@code command} with its output in a file, so that the wait is bounded whatever it prints. */
    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile("onnx-checker", ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out after 120 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.delete(log);
        }
    }
}
