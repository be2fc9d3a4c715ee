package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.config.SparkDdpConfig;
import org.sparkddp.common.data.InputShape;
import org.sparkddp.common.data.TargetKind;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointMeta;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.JobCheckpoints;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.output.ConsoleProgress;
import org.sparkddp.driver.output.MetricsLog;
import org.sparkddp.driver.output.ModelFile;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.RunFooter;
import org.sparkddp.driver.output.RunHeader;
import org.sparkddp.driver.output.Summary;
import org.sparkddp.driver.report.TrainingReport;
import org.sparkddp.driver.spark.DriverResultBytes;
import org.sparkddp.driver.spark.ExecutorMemory;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.driver.train.RunAssembly;
import org.sparkddp.driver.train.RunPosition;
import org.sparkddp.driver.train.StartState;
import org.sparkddp.driver.train.TrainingListener;
import org.sparkddp.driver.train.TrainingResult;

/**
 * One training job from files to written outputs, on a SparkContext it is given (the command line owns the context;
 * tests share one). Runs on the driver.
 *
 * <p>Named steps: {@code prepare} (data loaded and checked, the run checked by {@link RunAssembly#check}, then the
 * output directory opened: every bad input fails here, before Spark trains), {@code train} (the run's shards,
 * master, validation and checkpoints, assembled by {@link RunAssembly} as for the Spark ML estimator), {@code save}
 * (model, metrics, then summary, each atomically).
 */
public final class TrainingJob {
    private final ConfigLoader.Loaded loaded;
    private final Configuration hadoopConf;
    private final PrintStream console;
    private final boolean interactive;
    /** What the executors' native memory is held against, before the network is built. */
    private final ExecutorMemory executorMemory;
    /** The task results the driver receives, counted from the first Spark job of this training job. */
    private DriverResultBytes resultBytes;
    /** Where the run being trained writes its results and checkpoints; null before it starts. */
    private RunOutputs outputs;

    /** For training in this JVM's own local-mode context (its native limit is the executors'). */
    public TrainingJob(ConfigLoader.Loaded loaded, Configuration hadoopConf, PrintStream console, boolean interactive) {
        this(loaded, hadoopConf, console, interactive, ExecutorMemory.localJvm());
    }

    /** @param executorMemory what the model's native memory need is checked against (and sized into) */
    public TrainingJob(ConfigLoader.Loaded loaded, Configuration hadoopConf, PrintStream console, boolean interactive,
                       ExecutorMemory executorMemory) {
        this.loaded = loaded;
        this.hadoopConf = hadoopConf;
        this.console = console;
        this.interactive = interactive;
        this.executorMemory = executorMemory;
    }

    /**
     * What {@link #prepare} checked and loaded.
     *
     * @param run     the run assembled from the config and the data, checked ({@link RunAssembly#check})
     * @param initial the freshly initialized network's sizes (built here and dropped, so that a layer stack DL4J
     *                cannot build fails before Spark starts; each executor builds its own from the seed)
     */
    public record Prepared(JobData data, OutputDirectory output, RunAssembly run, StartState initial,
                           Optional<CheckpointStore> checkpoints) {
        public NetworkSpec network() {
            return run.network();
        }
    }

    /** For data the driver or the executors read from files: checked before Spark starts. */
    public Prepared prepare() {
        return prepare(Optional.empty());
    }

    /** @param spark the session that reads {@code parquet} and {@code dataframe-table} data; needed only for them */
    public Prepared prepare(Optional<SparkSession> spark) {
        spark.ifPresent(s -> watchResults(s.sparkContext())); // Spark reads the data now: count its results too
        SparkDdpConfig config = loaded.config();
        JobData data = JobData.open(config.data(), config.validation(), config.training().seed(),
                TargetKind.of(config.model()), hadoopConf, spark);
        RunHeader.skipped(config.data().train(), data.trainRowsSkipped()).ifPresent(console::println);
        RunHeader.skipped(config.data().test(), data.testRowsSkipped()).ifPresent(console::println);
        config.data().validation().flatMap(file -> RunHeader.skipped(file, data.validationRowsSkipped()))
                .ifPresent(console::println);
        // Every check of the run before the output directory exists: a bad setting leaves nothing behind.
        RunAssembly run = check(config, data);
        OutputDirectory output = OutputDirectory.open(config.output().dir(), hadoopConf, "output.dir");
        try {
            Optional<CheckpointStore> checkpoints = config.checkpoint().dir()
                    .map(dir -> CheckpointStore.open(dir, config.checkpoint().keep(), hadoopConf));
            return new Prepared(data, output, run, StartState.fresh(run.network()), checkpoints);
        } catch (RuntimeException | Error e) {
            output.discardIfEmpty();
            throw e;
        }
    }

    private RunAssembly check(SparkDdpConfig config, JobData data) {
        int[] shape = config.data().format().readBySpark()
                ? InputShape.of(config.data().columns().shape().stream().mapToInt(Integer::intValue).toArray(),
                        data.train().numFeatures(), "data.columns.shape")
                : data.train().inputShape();
        return RunAssembly.check(config, new RunAssembly.Examples("train", config.data().train(),
                data.train(), data.test(), data.validation()), shape, executorMemory, console::println);
    }

    public TrainingResult run(JavaSparkContext sc, Prepared prepared) throws IOException {
        return run(sc, prepared, Optional.empty());
    }

    /**
     * Trains and writes the outputs. The result's states stay on the executors until its
     * {@link TrainingResult#release} (or the context's end): a caller that runs several jobs in one context
     * releases each.
     *
     * @param resume a checkpoint to continue from, already checked against this job ({@link ResumeCheck})
     */
    public TrainingResult run(JavaSparkContext sc, Prepared prepared, Optional<Checkpoint> resume) throws IOException {
        watchResults(sc.sc());
        org.sparkddp.driver.spark.JobLabels.Saved labels = org.sparkddp.driver.spark.JobLabels.save(sc.sc());
        try {
            return train(sc, prepared, resume);
        } catch (IOException | RuntimeException | Error e) {
            // A run that failed before writing anything leaves no empty output directory behind; one that replaces
            // an earlier run's results leaves them as they were.
            if (outputs != null) {
                outputs.abandon(console);
            }
            prepared.output().discardIfEmpty();
            throw e;
        } finally {
            labels.restore();
            resultBytes.close();
            resultBytes = null;
            outputs = null;
        }
    }

    /** Registers the result-bytes listener on {@code sc}, once. */
    private void watchResults(org.apache.spark.SparkContext sc) {
        if (resultBytes == null || !resultBytes.watches(sc)) {
            if (resultBytes != null) {
                resultBytes.close();
            }
            resultBytes = DriverResultBytes.watch(sc);
        }
    }

    private TrainingResult train(JavaSparkContext sc, Prepared prepared, Optional<Checkpoint> resume)
            throws IOException {
        long start = System.nanoTime();
        String startedAt = Instant.now().toString();
        SparkDdpConfig config = loaded.config();
        var training = config.training();
        RunAssembly run = prepared.run();
        String runId = UUID.randomUUID().toString();
        org.sparkddp.driver.spark.JobLabels.startRun(sc.sc(), "spark-ddp-" + runId, "spark-ddp train");
        // A resumed state stays where it is (the checkpoint's chunk files): the executors read it.
        StartState initial = resume.map(c -> StartState.of(c.state())).orElse(prepared.initial());
        // Bounds the jobs that write checkpoints and model.zip on the executors.
        JobDeadline saving = new JobDeadline(sc, "spark-ddp-" + runId, training.jobTimeout());
        // An earlier run's results are never deleted: refused, or replaced only once this run's are complete.
        outputs = RunOutputs.open(prepared.output(), prepared.checkpoints(), config.output().overwrite(), resume,
                runId, hadoopConf);
        OutputDirectory output = outputs.writing();
        this.console.println(RunHeader.line(config, run.network(), initial.paramCount(), prepared.data(),
                run.totalIterations(), run.totalIterations(Long.MAX_VALUE), sc.master()));
        if (outputs.replacing()) {
            this.console.println(RunHeader.overwrite(prepared.output().location(), output.location()));
        }

        ConsoleProgress console = new ConsoleProgress(this.console, interactive, run.totalIterations(),
                training.batchSize(), config.output().progressEvery());
        MetricsLog metrics = new MetricsLog(output, config.output().logEvery(), start);
        Optional<Summary.Resumed> resumed = resume.map(c -> new Summary.Resumed(c.location(), c.state().iteration(),
                c.trainSecondsBefore()));
        resume.ifPresent(c -> {
            metrics.resume(c.metricsLines(), resumed.get().trainSeconds());
            this.console.println(RunHeader.resuming(c.location(), c.state().iteration(),
                    c.workers(training.workers()), training.workers()));
        });
        List<TrainingListener> listeners = new ArrayList<>(List.of(console, metrics));
        CheckpointSink sink = outputs.checkpoints().<CheckpointSink>map(store -> new JobCheckpoints(store,
                CheckpointMeta.of(config, loaded.resolvedJson(), Version.get(), prepared.data(), initial),
                metrics::lines, metrics::trainSeconds, resume.map(Checkpoint::location), sc, saving))
                .orElse(CheckpointSink.NONE);
        // Where a SIGINT or SIGTERM finds the run, for its one line (SignalStop).
        listeners.add(RunPosition.start(initial.iteration(), run.iterationsPerEpoch(), config.checkpoint().dir(),
                sink::last));

        RunAssembly.Outcome outcome;
        try {
            outcome = run.train(sc, runId, listeners, sink, initial, resume.flatMap(Checkpoint::stopping));
        } finally {
            console.closeLine();
        }
        TrainingResult result = outcome.result();
        RunFooter.printRebuilds(this.console, outcome.shardRebuilds());

        // Under early stopping, the best epoch's state rather than the last one.
        // model.zip is written by one executor task from the state's chunks; the driver never holds it.
        ModelFile.write(sc, saving, output, run.network(), result.modelVersion());
        metrics.flush();
        Summary.Provenance provenance = new Summary.Provenance(Version.get(), startedAt, sc.master(),
                loaded.resolvedJson(), initial.paramCount(), prepared.data().train().size(),
                prepared.data().test().size(), prepared.data().validation().map(ExampleSource::size).orElse(0),
                prepared.data().trainRowsSkipped(), prepared.data().testRowsSkipped(),
                prepared.data().validationRowsSkipped());
        Map<String, Object> summary = Summary.of(config, result, provenance, (System.nanoTime() - start) / 1e9,
                resumed, resultBytes.total());
        summary.put("shard_rebuilds", outcome.shardRebuilds());
        Summary.write(output, summary);
        writeReport(output);
        outputs.publish();
        RunFooter.print(this.console, result);
        RunFooter.printOutputs(this.console, prepared.output(), TrainingReport.NAME);
        return result;
    }

    /**
     * The report comes last, from the files just written. The model is saved by then, so a report that cannot be
     * drawn is a warning, not a failed run; {@code spark-ddp report DIR} can write it again.
     */
    private void writeReport(OutputDirectory output) {
        try {
            TrainingReport.write(output, hadoopConf);
        } catch (IOException | RuntimeException e) {
            console.println("warning: " + TrainingReport.NAME + " not written: " + e.getMessage());
        }
    }
}
