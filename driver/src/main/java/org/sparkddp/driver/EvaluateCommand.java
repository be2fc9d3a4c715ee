package org.sparkddp.driver;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
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
        ModelArchive.Restored model = ModelArchive.read(location, hadoop);
        int outputs = model.numOutputs();
        String testLocation = loaded.config().data().test();
        LabeledExamples test = Datasets.loadTest(loaded.config().data(), TargetKind.of(loaded.config().model()),
                outputs, hadoop);
        checkInputs(model, test, location, testLocation);
        if (test.targetWidth() != outputs) {
            throw new InvalidDataException(testLocation, "has " + test.targetWidth() + " outputs per example (classes"
                    + " or targets) but the model in " + location + " gives " + outputs);
        }
        HeldOutMetrics result = new HeldOutScorer(model::output, test.numFeatures(), MetricsSpec.of(test.targets()))
                .add(test).result();
        out.println(String.format(Locale.ROOT, "evaluated %s on %,d examples of %s: %s",
                location, result.examples(), testLocation, TrainingJob.testFigures(result)));
    }

    /** The saved configuration does not record the input width, so try one example: DL4J names the mismatch. */
    private static void checkInputs(ModelArchive.Restored model, LabeledExamples test, String location,
                                    String testLocation) {
        try {
            model.output(Minibatches.assemble(test, new int[] {0}).getFeatures());
        } catch (RuntimeException e) {
            throw new InvalidDataException(testLocation, "has " + test.numFeatures() + " features per example, which"
                    + " the model in " + location + " cannot take (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
