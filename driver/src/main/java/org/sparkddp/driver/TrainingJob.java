package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.model.NetworkFactory;
import org.sparkddp.common.model.NetworkDescription;
import org.sparkddp.common.model.ModelSize;
import org.sparkddp.common.model.NetworkSpec;
import org.sparkddp.common.plan.EpochPlan;
import org.sparkddp.common.plan.VirtualShards;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.common.wire.StateVersion;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.JobCheckpoints;
import org.sparkddp.driver.train.StartState;
import org.sparkddp.driver.data.ExampleSource;
import org.sparkddp.driver.data.JobData;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.train.CheckpointSink;
import org.sparkddp.driver.data.ShardedData;
import org.sparkddp.driver.data.TrainingShards;
import org.sparkddp.driver.output.ConsoleProgress;
import org.sparkddp.driver.output.MetricsLog;
import org.sparkddp.driver.output.ModelFile;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.output.RunFooter;
import org.sparkddp.driver.output.Summary;
import org.sparkddp.driver.report.TrainingReport;
import org.sparkddp.driver.spark.DriverResultBytes;
import org.sparkddp.driver.spark.ExecutorMemory;
import org.sparkddp.driver.train.JobDeadline;
import org.sparkddp.driver.train.RunPosition;
import org.sparkddp.driver.train.TrainingMaster;
import org.sparkddp.driver.train.TrainingListener;
import org.sparkddp.driver.train.TrainingResult;

/**
 * One training job from loaded data to written outputs, on a SparkContext it is given (the command line owns
 * the context; tests share one). Runs on the driver.
 *
 * <p>Named steps: {@code prepare} (data loaded and checked, output directory writable: every bad input fails
 * here, before Spark does any work), {@code distribute} (shards cached on the executors), {@code train},
 * {@code save} (model, metrics, then summary, each atomically).
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
     * @param initial the freshly initialized network's sizes (built here and dropped, so that a layer stack DL4J
     *                cannot build fails before Spark starts; each executor builds its own from the seed)
     */
    public record Prepared(JobData data, OutputDirectory output, NetworkSpec network, StartState initial,
                           Optional<CheckpointStore> checkpoints) {
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
        reportSkipped(config.data().train(), data.trainRowsSkipped());
        reportSkipped(config.data().test(), data.testRowsSkipped());
        config.data().validation().ifPresent(file -> reportSkipped(file, data.validationRowsSkipped()));
        if (data.train().size() < config.training().workers()) {
            throw new InvalidConfigException("training.workers", "is " + config.training().workers() + " but "
                    + config.data().train() + " holds only " + data.train().size() + " examples");
        }
        org.sparkddp.driver.train.BatchSizeWarning.of(config.training().batchSize(), data.train().size())
                .ifPresent(console::println);
        OutputDirectory output = OutputDirectory.open(config.output().dir(), hadoopConf, "output.dir");
        try {
            return prepare(config, data, output);
        } catch (RuntimeException | Error e) {
            output.discardIfEmpty();
            throw e;
        }
    }

    private Prepared prepare(SparkDdpConfig config, JobData data, OutputDirectory output) {
        int[] shape = config.data().format().readBySpark()
                ? InputShape.of(config.data().columns().shape().stream().mapToInt(Integer::intValue).toArray(),
                        data.train().numFeatures(), "data.columns.shape")
                : data.train().inputShape();
        NetworkSpec network = NetworkSpec.of(config, shape, data.train().targetWidth());
        config.data().augment().requireFits(shape);
        // Before anything of the model is allocated: a model too large for DL4J or for the executors fails here, in
        // one line, rather than in a crash or at its first stage.
        ModelSize size = ModelSize.of(network).checkDl4jLimits();
        executorMemory.fit(size, config.training()).ifPresent(console::println);
        StartState initial = StartState.fresh(network);
        Optional<CheckpointStore> checkpoints = config.checkpoint().dir()
                .map(dir -> CheckpointStore.open(dir, config.checkpoint().keep(), hadoopConf));
        return new Prepared(data, output, network, initial, checkpoints);
    }

    /**
     * Shards Spark evicted (or lost with an executor) and re-read from their source: never silent, since each costs
     * a re-read, and one evicted every stage is re-read every stage.
     */
    private void reportRebuilds(long rebuilds) {
        if (rebuilds > 0) {
            console.println(String.format(Locale.ROOT, "shards: %,d rebuilt after Spark evicted them (or lost their"
                    + " executor) and re-read from their source; a smaller data.cache-memory spills them to local disk"
                    + " instead of re-reading", rebuilds));
        }
    }

    /** Once per file, so that skipped rows are never silent. */
    private void reportSkipped(String file, long skipped) {
        if (skipped > 0) {
            console.println(String.format(Locale.ROOT, "%s: skipped %,d bad row%s (data.on-bad-row = skip)", file,
                    skipped, skipped == 1 ? "" : "s"));
        }
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
        printHeader(config, prepared, initial, sc.master());
        if (outputs.replacing()) {
            this.console.println("overwrite: the results in " + prepared.output().location() + " are replaced once"
                    + " this run's are complete; until then it writes into " + output.location());
        }

        ConsoleProgress console = new ConsoleProgress(this.console, interactive, totalIterations(config, prepared),
                training.batchSize(), config.output().progressEvery());
        MetricsLog metrics = new MetricsLog(output, config.output().logEvery(), start);
        Optional<Summary.Resumed> resumed = resume.map(c -> new Summary.Resumed(c.location(), c.state().iteration(),
                c.trainSecondsBefore()));
        resume.ifPresent(c -> {
            List<String> earlier = new ArrayList<>();
            c.meta().path("metrics").forEach(line -> earlier.add(line.asText()));
            metrics.resume(earlier, resumed.get().trainSeconds());
            int then = c.meta().path("workers").asInt(training.workers());
            this.console.println("resuming from " + c.location() + " at iteration " + c.state().iteration()
                    + (then == training.workers() ? "" : " on " + training.workers() + " workers instead of " + then
                    + " (a resize: the same batches, their float sums added in another order)"));
        });
        List<TrainingListener> listeners = new ArrayList<>(List.of(console, metrics));
        CheckpointSink sink = outputs.checkpoints().<CheckpointSink>map(store -> new JobCheckpoints(store,
                checkpointMeta(config, prepared, initial), metrics::lines, metrics::trainSeconds,
                resume.map(Checkpoint::location), sc, saving))
                .orElse(CheckpointSink.NONE);
        // Where a SIGINT or SIGTERM finds the run, for its one line (SignalStop).
        listeners.add(RunPosition.start(initial.iteration(), iterationsPerEpoch(config, prepared),
                config.checkpoint().dir(), sink::last));

        TrainingResult result;
        long shardRebuilds;
        ShardStorage storage = ShardStorage.of(config.data().cacheMemory());
        VirtualShards cut = virtualShards(config, prepared);
        // A resize (training.elastic) cuts the same virtual shards for another worker count, on the executors.
        try (TrainingShards train = TrainingShards.resizable(prepared.data().train().shards(sc, cut,
                training.workers(), storage, "spark-ddp train shards"), workers -> prepared.data().train().shards(sc,
                cut, workers, storage, "spark-ddp train shards for " + workers + " workers"));
             ShardedData test = prepared.data().test().slices(sc, training.workers(), storage,
                     "spark-ddp test shards");
             ShardedData validation = prepared.data().validation()
                     .map(v -> v.slices(sc, training.workers(), storage, "spark-ddp validation shards"))
                     .orElse(null)) {
            result = new TrainingMaster(sc, training, prepared.network(), runId, listeners, config.checkpoint(), sink,
                    config.validation(), config.data().augment())
                    .fit(train, test, Optional.ofNullable(validation), initial, resume.flatMap(Checkpoint::stopping));
            shardRebuilds = train.rebuilds() + test.rebuilds() + (validation == null ? 0 : validation.rebuilds());
        } finally {
            console.closeLine();
        }
        reportRebuilds(shardRebuilds);

        // Under early stopping, the best epoch's state rather than the last one.
        // model.zip is written by one executor task from the state's chunks; the driver never holds it.
        ModelFile.write(sc, saving, output, prepared.network(), result.modelVersion());
        metrics.flush();
        Summary.Provenance provenance = new Summary.Provenance(Version.get(), startedAt, sc.master(),
                loaded.resolvedJson(), initial.paramCount(), prepared.data().train().size(),
                prepared.data().test().size(), prepared.data().validation().map(ExampleSource::size).orElse(0),
                prepared.data().trainRowsSkipped(), prepared.data().testRowsSkipped(),
                prepared.data().validationRowsSkipped());
        Map<String, Object> summary = Summary.of(config, result, provenance, (System.nanoTime() - start) / 1e9,
                resumed, resultBytes.total());
        summary.put("shard_rebuilds", shardRebuilds);
        Summary.write(output, summary);
        writeReport(output);
        outputs.publish();
        printFooter(result, prepared.output());
        return result;
    }

    /**
     * Where a resumed run starts. A checkpoint written before checkpoints recorded their training time gives it
     * through its last epoch line in the metrics (the time of a part-epoch after it is lost), or as 0.
     */
    /** What every checkpoint of this run records besides the state: enough to resume it exactly and to trace it. */
    private Map<String, Object> checkpointMeta(SparkDdpConfig config, Prepared prepared, StartState initial) {
        var t = config.training();
        Map<String, Object> meta = new java.util.LinkedHashMap<>();
        meta.put("seed", t.seed());
        meta.put("workers", t.workers());
        meta.put("batch_size", t.batchSize());
        meta.put("mode", t.mode().configName());
        meta.put("parameters", initial.paramCount());
        meta.put("updater_values", initial.updaterCount());
        meta.put("train_examples", prepared.data().train().size());
        meta.put("test_examples", prepared.data().test().size());
        meta.put("features", prepared.data().train().numFeatures());
        meta.put("classes", prepared.data().train().targetWidth()); // the output width; the key predates real targets
        meta.put("data", Map.of("train", config.data().train(), "test", config.data().test()));
        meta.put("version", Version.get());
        meta.put("config", Json.parse(loaded.resolvedJson()));
        return meta;
    }

    private static long totalIterations(SparkDdpConfig config, Prepared prepared) {
        return totalIterations(config, prepared, config.training().maxIterations().orElse(Long.MAX_VALUE));
    }

    private static long totalIterations(SparkDdpConfig config, Prepared prepared, long cap) {
        return Math.min((long) iterationsPerEpoch(config, prepared) * config.training().epochs(), cap);
    }

    private static int iterationsPerEpoch(SparkDdpConfig config, Prepared prepared) {
        var training = config.training();
        return new EpochPlan(training.seed(), 0, virtualShards(config, prepared), training.batchSize()).iterations();
    }

    /** How the training examples are cut: data.virtual-shards, whatever the number of workers. */
    private static VirtualShards virtualShards(SparkDdpConfig config, Prepared prepared) {
        VirtualShards shards = VirtualShards.of(prepared.data().train().size(), config.data().virtualShards());
        shards.checkWorkers(config.training().workers());
        return shards;
    }

    private void printHeader(SparkDdpConfig config, Prepared prepared, StartState initial, String master) {
        var t = config.training();
        console.println(String.format(Locale.ROOT,
                "spark-ddp: %s (%,d parameters) · %s · %,d training%s and %,d test examples · %s · %d worker%s ·"
                        + " global batch %d · %s%s · %s",
                NetworkDescription.of(prepared.network()), initial.paramCount(), t.mode().configName(),
                prepared.data().train().size(), prepared.data().validation()
                        .map(v -> String.format(Locale.ROOT, ", %,d validation", v.size())).orElse(""),
                prepared.data().test().size(), targets(TargetKind.of(config.model()), config.data().classes(),
                        prepared.data().train().targetWidth()), t.workers(), t.workers() == 1 ? "" : "s",
                t.batchSize(),
                length(config, prepared),
                config.validation().patience().isPresent() ? String.format(Locale.ROOT, " (early stopping: patience"
                        + " %d)", config.validation().patience().getAsInt()) : "",
                master));
    }

    /**
     * What the network outputs and where that number came from: {@code 10 classes (data.classes)} or {@code 10
     * classes (from the training labels)} for class labels, {@code 1 output (real targets)} for regression.
     */
    static String targets(TargetKind kind, java.util.OptionalInt configured, int width) {
        if (kind != TargetKind.CLASS_INDEX) {
            return String.format(Locale.ROOT, "%d output%s (real targets)", width, width == 1 ? "" : "s");
        }
        return String.format(Locale.ROOT, "%d classes (%s)", width, configured.isPresent() ? "data.classes"
                : "from the training labels");
    }

    /**
     * {@code 10 epochs}, or where training.max-iterations cuts them short, {@code 100 iterations
     * (training.max-iterations; 10 epochs would be 160)}.
     */
    private static String length(SparkDdpConfig config, Prepared prepared) {
        var t = config.training();
        String epochs = t.epochs() + " epoch" + (t.epochs() == 1 ? "" : "s");
        long total = totalIterations(config, prepared);
        long uncut = totalIterations(config, prepared, Long.MAX_VALUE);
        return total < uncut ? String.format(Locale.ROOT, "%,d iteration%s (training.max-iterations; %s would be"
                + " %,d)", total, total == 1 ? "" : "s", epochs, uncut) : epochs;
    }

    private void printFooter(TrainingResult result, OutputDirectory output) {
        RunFooter.print(console, result);
        console.println("outputs: " + output.location() + "/{" + ModelFile.NAME + ", " + MetricsLog.NAME + ", "
                + Summary.NAME + (output.existsQuietly(TrainingReport.NAME) ? ", " + TrainingReport.NAME : "") + "}");
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
