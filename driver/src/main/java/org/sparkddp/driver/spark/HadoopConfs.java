package org.sparkddp.driver.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.sparkddp.worker.state.ExecutorHadoop;

/**
 * The Hadoop configuration a job's paths are read with on the driver, before the SparkContext exists: Hadoop's
 * defaults, then the {@code spark.hadoop.*} defaults of defaults.conf (the client's bounded timeouts), then every
 * {@code spark.hadoop.*} property of the given SparkConf, each with the prefix removed, which is what Spark itself
 * does for the executors.
 */
public final class HadoopConfs {
    private HadoopConfs() {
    }

    public static Configuration from(SparkConf sparkConf) {
        return ExecutorHadoop.from(sparkConf); // one rule for the driver and the executors
    }
}
