package org.sparkddp.worker.state;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.sparkddp.common.config.ConfigLoader;
import scala.Tuple2;

/**
 * The Hadoop configuration an executor reaches checkpoint and output paths with: Hadoop's defaults, then the
 * {@code spark.hadoop.*} defaults of defaults.conf (the client's bounded timeouts), then the application's
 * {@code spark.hadoop.*} properties with the prefix removed: what the driver uses for the same paths. Runs on
 * executors, or in a JVM without Spark (tests), where only the defaults apply.
 */
public final class ExecutorHadoop {
    private static final String PREFIX = "spark.hadoop.";

    private ExecutorHadoop() {
    }

    /** The SparkEnv the cached configuration was built for: an executor has one for its life, a test JVM several. */
    private static SparkEnv builtFor;
    private static Configuration cached;

    /**
     * The configuration for this JVM's Spark application, built once per SparkEnv: building one parses
     * defaults.conf, which would otherwise be paid for every chunk read. Callers must not modify it.
     */
    public static synchronized Configuration conf() {
        SparkEnv env = SparkEnv.get();
        if (cached == null || env != builtFor) {
            cached = from(env == null ? new SparkConf(false) : env.conf());
            builtFor = env;
        }
        return cached;
    }

    public static Configuration from(SparkConf sparkConf) {
        Configuration conf = new Configuration();
        for (Map.Entry<String, String> entry : ConfigLoader.sparkDefaults().entrySet()) {
            set(conf, entry.getKey(), entry.getValue());
        }
        for (Tuple2<String, String> entry : sparkConf.getAll()) {
            set(conf, entry._1(), entry._2());
        }
        return conf;
    }

    private static void set(Configuration conf, String property, String value) {
        if (property.startsWith(PREFIX)) {
            conf.set(property.substring(PREFIX.length()), value);
        }
    }
}
