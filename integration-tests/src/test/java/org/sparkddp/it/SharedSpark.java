package org.sparkddp.it;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.spark.SparkSetup;

/**
 * One local[2] SparkContext per test class, configured exactly as the command line configures it (Kryo with
 * registration required, our registrator, the barrier timeout), so tests exercise the real wire path.
 */
final class SharedSpark {
    private SharedSpark() {
    }

    static JavaSparkContext start(ConfigLoader.Loaded loaded) {
        SparkConf conf = SparkSetup.sparkConf(loaded.config()).setAppName("spark-ddp-tests");
        return new JavaSparkContext(SparkContext.getOrCreate(conf));
    }
}
