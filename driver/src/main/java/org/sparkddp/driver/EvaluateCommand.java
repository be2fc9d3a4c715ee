package org.sparkddp.driver;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.HeldOutScorer;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.output.ModelArchive;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * {@code spark-ddp evaluate --model FILE}: scores a saved model on the config's test set, on the driver alone (a
 * forward pass over a test set takes seconds; no Spark job is worth starting for it).
 */
final class EvaluateCommand {
    private EvaluateCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws java.io.IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, Optional.empty()), cli.overrides());
        // The job's spark.hadoop.* settings, so that the model and data are reached as training reached them.
        Configuration hadoop = HadoopConfs.from(SparkSetup.sparkConf(loaded.config()));
        String location = cli.model().orElseThrow();
        MultiLayerNetwork model = ModelArchive.read(location, hadoop);
        int inputs = (int) model.layerInputSize(0);
        int outputs = (int) model.layerSize(model.getnLayers() - 1);
        String testLocation = loaded.config().data().test();
        // TODO(merge): the saved model's loss decides how tabular label columns are read; class indices until then.
        LabeledExamples test = Datasets.loadTest(loaded.config().data(), TargetKind.CLASS_INDEX, outputs, hadoop);
        if (test.numFeatures() != inputs) {
            throw new InvalidDataException(testLocation, "has " + test.numFeatures() + " features per example but the"
                    + " model in " + location + " takes " + inputs);
        }
        if (test.targetWidth() != outputs) {
            throw new InvalidDataException(testLocation, "has " + test.targetWidth() + " outputs per example (classes"
                    + " or targets) but the model in " + location + " gives " + outputs);
        }
        HeldOutMetrics result = new HeldOutScorer(f -> model.output(f, false), inputs, MetricsSpec.of(test.targets()))
                .add(test).result();
        out.println(String.format(Locale.ROOT, "evaluated %s on %,d examples of %s: %s",
                location, result.examples(), testLocation, TrainingJob.testFigures(result)));
    }
}
