package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import com.typesafe.config.ConfigUtil;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.common.error.InvalidConfigException;
import org.sparkddp.common.eval.HeldOutMetrics;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.output.Json;
import org.sparkddp.driver.output.OutputDirectory;
import org.sparkddp.driver.search.SearchDirectory;
import org.sparkddp.driver.search.SearchGrid;
import org.sparkddp.driver.search.TrialResult;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.ClusterSlots;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.driver.spark.CommandSpark;
import org.sparkddp.driver.spark.ExecutorReach;
import org.sparkddp.driver.train.TrainingDivergedException;
import org.sparkddp.driver.train.TrainingResult;

/**
 * {@code spark-ddp search --grid FILE}: one training run per point of a grid of config values, ranked by held-out
 * loss (on the validation set when every trial has one, else on the test set). Runs on the driver; each trial
 * trains on the executors like any job.
 *
 * <p>Policy: trials run one after another, each on every worker, in one Spark application. A synchronous trial
 * occupies all its task slots for its whole run (its stages are barrier stages), so trials side by side would
 * need a slot per worker of each of them and would slow each other on shared cores; sequential trials use the
 * cluster fully and their timings stay comparable. Named steps: check (every trial's config, before Spark
 * starts), train (each trial in turn; a diverged trial is recorded, not fatal), rank, report.
 */
final class SearchCommand {
    private SearchCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        ConfigLoader.Source source = JobConfigSource.of(cli, Optional.empty());
        ConfigLoader.Loaded base = ConfigLoader.load(source, cli.overrides());
        SparkConf sparkConf = SparkSetup.sparkConf(base.config());
        Configuration hadoop = HadoopConfs.from(sparkConf);
        String gridFile = cli.grid().orElseThrow();
        SearchGrid grid = SearchGrid.parse(gridFile, HadoopFiles.read(gridFile, hadoop,
                in -> new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        for (String key : grid.keys()) {
            if (key.startsWith("spark.") || key.startsWith("output.") || key.startsWith("checkpoint.")) {
                throw new InvalidConfigException("grid." + key, gridFile, "cannot be searched: the trials share one"
                        + " Spark application and each writes its own outputs");
            }
        }

        // Check: every trial's config, so that a bad value fails now rather than after hours of other trials.
        // The search writes into its own directory, output.dir + "-search", never into the job's run.
        SearchDirectory directory = SearchDirectory.open(base.config().output().dir(),
                base.config().output().overwrite(), hadoop);
        String root = directory.writing();
        List<ConfigLoader.Loaded> configs = new ArrayList<>();
        int mostWorkers = 0;
        for (int t = 0; t < grid.trials().size(); t++) {
            List<String> overrides = new ArrayList<>(cli.overrides());
            overrides.addAll(grid.trials().get(t));
            overrides.add("output.dir=" + ConfigUtil.quoteString(SearchDirectory.trialDir(root, t + 1)));
            overrides.add("checkpoint.dir=null");
            try {
                ConfigLoader.Loaded loaded = ConfigLoader.load(source, overrides);
                configs.add(loaded);
                mostWorkers = Math.max(mostWorkers, loaded.config().training().workers());
            } catch (InvalidConfigException e) {
                throw e.locatedAt(gridFile);
            }
        }
        ClusterSlots.check(sparkConf, mostWorkers, "training.workers");
        OutputDirectory output = OutputDirectory.open(root, hadoop, "output.dir");
        if (directory.replacing()) {
            out.println("overwrite: the search in " + directory.location() + " is replaced once this one is complete;"
                    + " until then it writes into " + root);
        }
        try {
            search(grid, configs, sparkConf, hadoop, output, directory, out);
        } catch (IOException | RuntimeException | Error e) {
            output.discardIfEmpty(); // each trial removed its own, if empty
            directory.abandon().ifPresent(kept -> out.println("kept: this search's trials in " + kept + "; the"
                    + " earlier search in " + directory.location() + " is unchanged"));
            throw e;
        }
    }

    private static void search(SearchGrid grid, List<ConfigLoader.Loaded> configs, SparkConf sparkConf,
                               Configuration hadoop, OutputDirectory output, SearchDirectory directory,
                               PrintStream out) throws IOException {
        out.println(String.format(Locale.ROOT, "search: %d trial%s over %s, one after another", configs.size(),
                configs.size() == 1 ? "" : "s", String.join(", ", grid.keys())));

        // Choosing settings by their test loss would make the test figures optimistic; a validation set is for
        // choosing. Losses on different sets do not compare, so only a search whose every trial has one uses it.
        boolean onValidation = configs.stream().allMatch(c -> c.config().validation().fraction() > 0
                || c.config().data().validation().isPresent());
        List<TrialResult> results = new ArrayList<>();
        // A context that Spark stops under the search wakes it, with one line (CommandSpark).
        try (CommandSpark spark = new CommandSpark(sparkConf, true)) {
            JavaSparkContext sc = spark.context();
            // On a cluster, the executors must see a directory on the driver's local disk (measured).
            ExecutorReach.check(sc, configs.get(0).config().training().jobTimeout(),
                    List.of(ExecutorReach.Probe.directory("output.dir", output.location())));
            for (int t = 0; t < configs.size(); t++) {
                results.add(trial(sc, configs.get(t), t + 1, configs.size(), grid.trials().get(t), onValidation,
                        hadoop, SearchDirectory.trialDir(directory.location(), t + 1), out));
            }
        }

        List<TrialResult> ranked = TrialResult.ranked(results);
        TrialResult.table(ranked).forEach(out::println);
        output.writeAtomically("search.json", o -> o.write((Json.pretty(TrialResult.document(grid.keys(), ranked,
                onValidation ? "validation" : "test"))
                + "\n").getBytes(StandardCharsets.UTF_8)));
        directory.publish();
        out.println("written: " + directory.location() + "/search.json");
    }

    /** @param dir where the trial's results end up (search.json names it) */
    private static TrialResult trial(JavaSparkContext sc, ConfigLoader.Loaded loaded, int number, int of,
                                     List<String> settings, boolean onValidation, Configuration hadoop, String dir,
                                     PrintStream out) throws IOException {
        out.println(String.format(Locale.ROOT, "trial %d/%d: %s", number, of, String.join(", ", settings)));
        long start = System.nanoTime();
        // The context runs already: the model's memory need is checked against what its executors were given.
        TrainingJob job = new TrainingJob(loaded, hadoop, out, false,
                org.sparkddp.driver.spark.ExecutorMemory.running(sc.getConf()));
        // The trial's Spark jobs say which trial they belong to (JobLabels), e.g. "spark-ddp search · trial 2/6 · ...".
        org.sparkddp.driver.spark.JobLabels.Saved labels = org.sparkddp.driver.spark.JobLabels.save(sc.sc());
        sc.setLocalProperty(org.sparkddp.driver.spark.JobLabels.RUN, "spark-ddp search · trial " + number + "/" + of);
        try {
            TrainingResult result = job.run(sc, job.prepare(Optional.of(SparkSetup.session(sc))));
            result.release(); // the trial's model is in its model.zip: its blocks would only fill the executors
            HeldOutMetrics heldOut = onValidation ? result.validation().orElseThrow().metrics() : result.test();
            return new TrialResult(number, settings, dir, heldOut.meanLoss(),
                    heldOut.hasAccuracy() ? heldOut.accuracy() : Double.NaN,
                    (System.nanoTime() - start) / 1e9, null);
        } catch (TrainingDivergedException e) {
            out.println("trial " + number + " diverged: " + e.getMessage());
            return new TrialResult(number, settings, dir, Double.NaN, Double.NaN, (System.nanoTime() - start) / 1e9,
                    e.getMessage());
        } finally {
            labels.restore();
        }
    }
}
