package org.sparkddp.driver.spark;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.sparkddp.common.config.ConfigLoader;
import scala.Tuple2;

/**
 * The Hadoop configuration a job's paths are read with on the driver, before the SparkContext exists: Hadoop's
 * defaults, then the {@code spark.hadoop.*} defaults of defaults.conf (the client's bounded timeouts), then every
 * {@code spark.hadoop.*} property of the given SparkConf, each with the prefix removed, which is what Spark itself
 * does for the executors.
 */
public final class HadoopConfs {
    private static final String PREFIX = "spark.hadoop.";

    private HadoopConfs() {
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
