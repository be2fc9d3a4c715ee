package org.sparkddp.driver.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.OptionalInt;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.error.InvalidConfigException;

class ClusterSlotsTest {
    private static SparkConf master(String master) {
        return new SparkConf(false).set("spark.master", master);
    }

    private static String failure(SparkConf conf, int workers) {
        return assertThrows(InvalidConfigException.class, () -> ClusterSlots.check(conf, workers, "training.workers"))
                .getMessage();
    }

    @Test
    void localMastersMustHaveASlotPerWorker() {
        assertEquals("training.workers: is 3 but spark.master local[2] runs only 2 tasks at once, and a training"
                + " stage runs all workers together", failure(master("local[2]"), 3));
        failure(master("local"), 2);
        failure(master("local-cluster[2,1,1024]"), 3);
        assertDoesNotThrow(() -> ClusterSlots.check(master("local-cluster[2,2,1024]"), 4, "training.workers"));
        assertDoesNotThrow(() -> ClusterSlots.check(master("local[4,3]"), 4, "training.workers"));
        assertDoesNotThrow(() -> ClusterSlots.check(master("local[*]"), Runtime.getRuntime().availableProcessors(),
                "training.workers"));
    }

    @Test
    void taskCpusShrinkTheSlots() {
        SparkConf twoCpusPerTask = master("local[4]").set("spark.task.cpus", "2");
        assertEquals("training.workers: is 3 but spark.master local[4] with spark.task.cpus=2 runs only 2 tasks at"
                + " once, and a training stage runs all workers together", failure(twoCpusPerTask, 3));
        assertDoesNotThrow(() -> ClusterSlots.check(twoCpusPerTask, 2, "training.workers"));
    }

    /** A standalone master's cap on cores is known before any executor registers: no minute of slot checks. */
    @Test
    void aStandaloneCoreCapIsKnownAtOnce() {
        SparkConf capped = master("spark://cluster:7077").set("spark.cores.max", "4").set("spark.executor.cores", "3");
        assertEquals(OptionalInt.of(3), ClusterSlots.mostPossible(capped), "one whole executor of 3 cores fits in 4");
        assertEquals("training.workers: is 4 but spark.cores.max=4 with spark.executor.cores=3 runs only 3 tasks at"
                + " once, and a training stage runs all workers together", failure(capped, 4));
        assertEquals(OptionalInt.of(4), ClusterSlots.mostPossible(master("spark://c:7077").set("spark.cores.max", "4")));
        assertEquals(OptionalInt.empty(), ClusterSlots.mostPossible(master("spark://cluster:7077")));
        assertDoesNotThrow(() -> ClusterSlots.check(master("spark://cluster:7077"), 64, "training.workers"));
    }

    @Test
    void aFixedExecutorCountIsKnownAtOnceUnlessAllocationIsDynamic() {
        SparkConf yarn = master("yarn").set("spark.executor.instances", "3").set("spark.executor.cores", "2");
        assertEquals(OptionalInt.of(6), ClusterSlots.mostPossible(yarn));
        assertEquals(OptionalInt.empty(), ClusterSlots.mostPossible(yarn.clone().set("spark.dynamicAllocation.enabled", "true")));
        assertEquals(OptionalInt.of(2), ClusterSlots.mostPossible(master("k8s://https://api:6443").set("spark.executor.instances", "2")));
    }
}
