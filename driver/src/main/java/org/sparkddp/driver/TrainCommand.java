package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.ConfigLoader;
import java.util.Optional;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.ResumeCheck;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.spark.CommandSpark;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.ClusterSlots;
import org.sparkddp.driver.spark.ExecutorMemory;
import org.sparkddp.driver.spark.ExecutorReach;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * {@code spark-ddp train}: config, checks, Spark, training, outputs. Runs on the driver and owns the
 * SparkContext it creates.
 */
final class TrainCommand {
    private TrainCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        // spark-submit's spark.hadoop.* properties are system properties by now: enough to reach a checkpoint.
        Optional<Checkpoint> resume = cli.resume()
                .map(dir -> CheckpointStore.read(dir, HadoopConfs.from(new SparkConf())));
        ConfigLoader.Loaded loaded = ConfigLoader.load(JobConfigSource.of(cli, resume), cli.overrides());
        SparkConf sparkConf = SparkSetup.sparkConf(loaded.config());
        ClusterSlots.check(sparkConf, loaded.config().training());
        // Files are checked before Spark starts; a DataFrame source needs Spark to be read at all.
        try (CommandSpark spark = new CommandSpark(sparkConf, loaded.config().data().format().tabular())) {
            // The executors' native limit is sized from the model where unset, unless they have started already.
            ExecutorMemory memory = spark.dataSession().isPresent() ? ExecutorMemory.running(sparkConf)
                    : ExecutorMemory.of(sparkConf);
            Configuration hadoop = HadoopConfs.from(sparkConf);
            TrainingJob job = new TrainingJob(loaded, hadoop, out, System.console() != null, memory);
            TrainingJob.Prepared prepared = job.prepare(spark.dataSession());
            resume.ifPresent(c -> ResumeCheck.verify(c, loaded, prepared.data().train()));
            JavaSparkContext sc;
            try {
                RunOutputs.check(prepared.output(), prepared.checkpoints(), loaded.config().output().overwrite(),
                        resume, hadoop);
                sc = spark.context(); // against a standalone master, fails in a bounded time (SparkStart)
                // On a cluster, the executors must see the driver's local paths they are handed (measured).
                ExecutorReach.check(sc, loaded.config().training().jobTimeout(), probes(prepared, resume));
            } catch (IOException | RuntimeException | Error e) {
                prepared.output().discardIfEmpty(); // as a failed run does: no empty output directory left
                throw e;
            }
            job.run(sc, prepared, resume);
        }
    }

    /** The paths the executors are handed: they write the outputs and checkpoints and read the resumed state. */
    private static List<ExecutorReach.Probe> probes(TrainingJob.Prepared prepared, Optional<Checkpoint> resume) {
        List<ExecutorReach.Probe> probes = new ArrayList<>();
        probes.add(ExecutorReach.Probe.directory("output.dir", prepared.output().location()));
        prepared.checkpoints().ifPresent(c -> probes.add(ExecutorReach.Probe.directory("checkpoint.dir",
                c.location())));
        resume.ifPresent(c -> probes.add(ExecutorReach.Probe.existing("--resume", c.location())));
        return probes;
    }
}
