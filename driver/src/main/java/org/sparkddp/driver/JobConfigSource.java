package org.sparkddp.driver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.data.HadoopFiles;
import org.sparkddp.driver.checkpoint.Checkpoint;
import org.sparkddp.driver.cli.CommandLine;
import org.sparkddp.driver.spark.HadoopConfs;

/**
 * Where a command's config comes from: {@code --config FILE}, else a resumed checkpoint's own config, else the
 * built-in default job. Runs on the driver.
 */
final class JobConfigSource {
    static final String DEFAULT_CONFIG = "conf/fashion-mnist-mlp.conf";

    private JobConfigSource() {
    }

    static ConfigLoader.Source of(CommandLine cli, Optional<Checkpoint> resume) throws IOException {
        if (cli.configFile().isEmpty() && resume.isPresent()) {
            // The run's own resolved config, except where to run: Spark properties come from this invocation.
            ObjectNode config = resume.get().meta().path("config").deepCopy();
            config.remove("spark");
            return new ConfigLoader.Source(resume.get().location() + "/checkpoint.json", config.toString());
        }
        if (cli.configFile().isPresent()) {
            String location = cli.configFile().get();
            // spark-submit's spark.hadoop.* properties are system properties by now: enough to reach the file.
            String text = HadoopFiles.read(location, HadoopConfs.from(new SparkConf()),
                    in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
            return new ConfigLoader.Source(location, text);
        }
        try (InputStream in = JobConfigSource.class.getResourceAsStream("conf/fashion-mnist-mlp.conf")) {
            if (in == null) {
                throw new IllegalStateException("the built-in default config is missing from the jar");
            }
            return new ConfigLoader.Source(DEFAULT_CONFIG + " (built in)",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
