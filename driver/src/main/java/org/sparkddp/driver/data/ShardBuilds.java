package org.sparkddp.driver.data;

import java.io.Serializable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * Counts the builds of a cached RDD's shards: each partition is built once when first computed, and again each
 * time Spark evicted it (or lost its executor) and had to re-read it. Created on the driver; {@link #count} runs
 * on the executor that builds a shard.
 */
public final class ShardBuilds implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LongAccumulator builds;

    private ShardBuilds(LongAccumulator builds) {
        this.builds = builds;
    }

    /** A counter registered with {@code sc}, named after the RDD it counts. */
    static ShardBuilds register(JavaSparkContext sc, String name) {
        return new ShardBuilds(sc.sc().longAccumulator(name + " builds"));
    }

    /** One shard built. Executor side. */
    void count() {
        builds.add(1);
    }

    /** Shard builds so far, as the driver has heard of them. */
    long builds() {
        return builds.value();
    }
}
