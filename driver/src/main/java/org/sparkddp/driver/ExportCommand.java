package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.export.OnnxExporter;
import org.sparkddp.driver.export.OnnxFile;
import org.sparkddp.driver.output.ModelArchive;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * {@code spark-ddp export --model FILE --output FILE.onnx}: the trained network as an ONNX model, for serving
 * outside the JVM (onnxruntime and the like). Runs on the driver alone; no Spark job. Named steps: read (the
 * model.zip, validated), translate (every layer, or one line naming the first that has no exact translation; then
 * nothing is written), write (a temporary file renamed into place; an existing file only with --overwrite).
 * The config is read only for {@code output.overwrite} and the {@code spark.hadoop.*} settings that reach remote
 * file systems.
 */
final class ExportCommand {
    private ExportCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, Optional.empty()), cli.overrides());
        Configuration hadoop = HadoopConfs.from(SparkSetup.sparkConf(loaded.config()));
        String location = cli.model().orElseThrow();
        String output = cli.output().orElseThrow();
        long start = System.nanoTime();

        ModelArchive.Restored model = ModelArchive.read(location, hadoop);
        byte[] onnx = OnnxExporter.export(model.network(), location).toByteArray();
        String written = OnnxFile.write(onnx, output, loaded.config().output().overwrite(), hadoop, "--output");
        out.println(String.format(Locale.ROOT, "exported %s (%,d parameters) to %s: ONNX opset %d, %,d bytes, in"
                        + " %.1f s", location, model.network().numParams(), written,
                org.sparkddp.driver.export.OnnxGraph.OPSET, onnx.length, (System.nanoTime() - start) / 1e9));
    }
}
