package org.sparkddp.driver.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import scala.Tuple2;

/**
 * The Hadoop configuration a job's paths are read with, before the SparkContext exists: Hadoop's defaults plus
 * every {@code spark.hadoop.*} property with the prefix removed, which is what Spark itself does.
 */
public final class HadoopConfs {
    private static final String PREFIX = "spark.hadoop.";

    private HadoopConfs() {
    }

    public static Configuration from(SparkConf sparkConf) {
        Configuration conf = new Configuration();
        for (Tuple2<String, String> entry : sparkConf.getAll()) {
            if (entry._1().startsWith(PREFIX)) {
                conf.set(entry._1().substring(PREFIX.length()), entry._2());
            }
        }
        return conf;
    }
}
