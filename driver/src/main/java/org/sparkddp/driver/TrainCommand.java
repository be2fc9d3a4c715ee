package org.sparkddp.driver;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.ConfigLoader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.checkpoint.CheckpointStore;
import org.sparkddp.driver.checkpoint.ResumeCheck;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.spark.HadoopConfs;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * {@code spark-ddp train}: config, checks, Spark, training, outputs. Runs on the driver and owns the
 * SparkContext it creates.
 */
final class TrainCommand {
    static final String DEFAULT_CONFIG = "conf/fashion-mnist-mlp.conf";

    private TrainCommand() {
    }

    static void run(CommandLine cli, PrintStream out) throws IOException {
        // spark-submit's spark.hadoop.* properties are system properties by now: enough to reach a checkpoint.
        Optional<Checkpoint> resume = cli.resume()
                .map(dir -> CheckpointStore.read(dir, HadoopConfs.from(new SparkConf())));
        ConfigLoader.Loaded loaded = ConfigLoader.load(configSource(cli, resume), cli.overrides());
        SparkConf sparkConf = SparkSetup.sparkConf(loaded.config());
        SparkSetup.checkSlots(sparkConf, loaded.config().training().workers());
        TrainingJob job = new TrainingJob(loaded, HadoopConfs.from(sparkConf), out, System.console() != null);
        TrainingJob.Prepared prepared = job.prepare();
        resume.ifPresent(c -> ResumeCheck.verify(c, loaded.config(), prepared.data().train()));

        JavaSparkContext sc = new JavaSparkContext(SparkContext.getOrCreate(sparkConf));
        try {
            job.run(sc, prepared, resume);
        } finally {
            sc.stop();
        }
    }

    private static ConfigLoader.Source configSource(CommandLine cli, Optional<Checkpoint> resume) throws IOException {
        if (cli.configFile().isEmpty() && resume.isPresent()) {
            // The run's own resolved config, except where to run: Spark properties come from this invocation.
            ObjectNode config = resume.get().meta().path("config").deepCopy();
            config.remove("spark");
            return new ConfigLoader.Source(resume.get().location() + "/checkpoint.json", config.toString());
        }
        if (cli.configFile().isPresent()) {
            String location = cli.configFile().get();
            String text = HadoopFiles.read(location, new Configuration(),
                    in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return new ConfigLoader.Source(location, text);
        }
        try (InputStream in = TrainCommand.class.getResourceAsStream("conf/fashion-mnist-mlp.conf")) {
            if (in == null) {
                throw new IllegalStateException("the built-in default config is missing from the jar");
            }
            return new ConfigLoader.Source(DEFAULT_CONFIG + " (built in)",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
