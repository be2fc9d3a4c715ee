package org.sparkddp.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.DataConfig;
import org.sparkddp.common.config.DataFormat;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.data.IdxHeader;
import org.sparkddp.common.data.IdxReader;
import org.sparkddp.common.data.LabeledExamples;
import org.sparkddp.common.data.Minibatches;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.error.InvalidDataException;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.common.eval.HeldOutScorer;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.eval.MetricsSpec;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.data.InMemoryExamples;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.output.EvaluationReport;
import org.sparkddp.driver.output.ModelArchive;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.RunFooter;
import org.sparkddp.driver.predict.ModelInputWidth;
import org.sparkddp.driver.spark.CommandSpark;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.train.JobDeadline;

/**
 * {@code spark-ddp evaluate --model FILE}: scores a saved model on the config's test set on the executors, then
 * prints the figures and writes {@code evaluation.json} beside the model. Named steps: check (on the driver,
 * before Spark starts), distribute, score (each executor its slice, the model broadcast as its model.zip bytes),
 * reduce (partial metrics merged, MLlib aggregator style), report.
 */
final class EvaluateCommand {
    private EvaluateCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, Optional.empty()), cli.overrides());
        SparkConf sparkConf = SparkSetup.sparkConf(loaded.config());
        // The job's spark.hadoop.* settings, so that the model and data are reached as training reached them.
        Configuration hadoop = HadoopConfs.from(sparkConf);
        String location = cli.model().orElseThrow();

        // Check: the model is valid and fits the data, before any Spark job (a DataFrame source is read by one).
        ModelArchive.Restored model = ModelArchive.read(location, hadoop);
        String testLocation = loaded.config().data().test();
        checkImageWidth(model, location, loaded.config().data(), hadoop);
        try (CommandSpark spark = new CommandSpark(sparkConf, loaded.config().data().format().tabular())) {
            int outputs = model.numOutputs();
            ExampleSource test = JobData.openTest(loaded.config().data(), TargetKind.of(loaded.config().model()),
                    outputs, hadoop, spark.dataSession());
            if (test instanceof InMemoryExamples held) {
                checkInputs(model, held.examples(), location, testLocation);
            } else if (test.inputShape().length == 1) { // rows the executors hold: a zero row of their width
                checkInputs(model, org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1,
                        test.numFeatures()), test.numFeatures(), location, testLocation);
            }
            if (test.targetWidth() != outputs) {
                throw new InvalidDataException(testLocation, "has " + test.targetWidth() + " outputs per example"
                        + " (classes or targets) but the model in " + location + " gives " + outputs);
            }
            OutputDirectory beside = OutputDirectory.open(new org.apache.hadoop.fs.Path(location).getParent()
                    .toString(), hadoop, "--model");
            byte[] zip = HadoopFiles.read(location, hadoop, InputStream::readAllBytes);

            HeldOutMetrics result = score(spark.context(), test, ShardStorage.of(loaded.config().data().cacheMemory()),
                    zip, location, testLocation, loaded.config().training().jobTimeout());
            report(out, location, testLocation, result, beside, spark.resultBytes());
        }
    }

    /**
     * Distribute, score, reduce: each executor scores its slice; only the partial metrics come back. The scoring
     * job is cancelled past {@code jobTimeout} (training.job-timeout), as training's jobs are.
     */
    private static HeldOutMetrics score(JavaSparkContext sc, ExampleSource test, ShardStorage storage, byte[] zip,
                                        String location, String testLocation, java.time.Duration jobTimeout) {
        try (ShardedData slices = test.slices(sc, sc.defaultParallelism(), storage, "spark-ddp evaluate")) {
            Broadcast<byte[]> network = sc.broadcast(zip);
            MetricsSpec spec = slices.metrics();
            // Runs on the executors: the model is read from the broadcast bytes once per slice.
            HeldOutMetrics result = new JobDeadline(sc, "spark-ddp-evaluate", jobTimeout).run(
                    "evaluate " + location + " on " + testLocation, () -> slices.rdd().map(slice -> new HeldOutScorer(
                            ModelArchive.read(location, network.value())::output, slice.numFeatures(), spec)
                            .add(slice).result())
                    .treeReduce(HeldOutMetrics::merge));
            network.destroy();
            return result;
        }
    }

    private static void report(PrintStream out, String location, String testLocation, HeldOutMetrics result,
                               OutputDirectory beside, long driverResultBytes) throws IOException {
        out.println(String.format(Locale.ROOT, "evaluated %s on %,d examples of %s: %s",
                location, result.examples(), testLocation, RunFooter.testFigures(result)));
        EvaluationReport report = new EvaluationReport(location, testLocation, result, driverResultBytes);
        report.print(out);
        beside.writeAtomically(EvaluationReport.NAME, o -> o.write(report.json().getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
        out.println("written: " + beside.location() + "/" + EvaluationReport.NAME);
    }

    /**
     * IDX images against the model's input width, from the images file's header, before its labels are read: a
     * model of another width (a regression on 8 inputs, say) has other outputs too, and the labels would be
     * checked against those, naming a label where the features are at fault.
     */
    private static void checkImageWidth(ModelArchive.Restored model, String location, DataConfig data,
                                        Configuration hadoop) {
        if (data.format() != DataFormat.IDX) {
            return; // tabular labels are checked against the training set's classes, not the model's outputs
        }
        java.util.OptionalInt width = ModelInputWidth.of(model);
        if (width.isEmpty()) {
            return; // the features are tried on the model once read (checkInputs)
        }
        String images = data.test();
        IdxHeader header = HadoopFiles.read(images, hadoop,
                in -> IdxReader.readHeader(images, new java.io.DataInputStream(in), 3));
        if (header.itemSize() != width.getAsInt()) {
            throw new InvalidDataException(images, "has " + header.itemSize() + " features per example (images of "
                    + header.shape()[1] + "x" + header.shape()[2] + "), but the model in " + location + " takes "
                    + width.getAsInt());
        }
    }

    /** The saved configuration does not record the input width, so try one example: DL4J names the mismatch. */
    private static void checkInputs(ModelArchive.Restored model, LabeledExamples test, String location,
                                    String testLocation) {
        checkInputs(model, Minibatches.assemble(test, new int[] {0}).getFeatures(), test.numFeatures(), location,
                testLocation);
    }

    private static void checkInputs(ModelArchive.Restored model, org.nd4j.linalg.api.ndarray.INDArray example,
                                    int numFeatures, String location, String testLocation) {
        try {
            model.output(example);
        } catch (RuntimeException e) {
            throw new InvalidDataException(testLocation, "has " + numFeatures + " features per example, which"
                    + " the model in " + location + " cannot take (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
