package org.sparkddp.driver;

import java.io.IOException;
import java.io.PrintStream;
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
            TrainingJob job = new TrainingJob(loaded, HadoopConfs.from(sparkConf), out, System.console() != null,
                    memory);
            TrainingJob.Prepared prepared = job.prepare(spark.dataSession());
            resume.ifPresent(c -> ResumeCheck.verify(c, loaded, prepared.data().train()));
            JavaSparkContext sc;
            try {
                sc = spark.context(); // against a standalone master, fails in a bounded time (SparkStart)
            } catch (RuntimeException | Error e) {
                prepared.output().discardIfEmpty(); // as a failed run does: no empty output directory left
                throw e;
            }
            job.run(sc, prepared, resume);
        }
    }
}
