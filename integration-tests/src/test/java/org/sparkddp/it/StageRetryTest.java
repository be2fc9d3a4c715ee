package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.common.wire.ModelState;
import org.sparkddp.driver.data.Datasets;
import org.sparkddp.driver.spark.SparkSetup;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * A task that dies mid-stage makes Spark fail and retry the whole barrier stage, which starts again from the
 * same broadcast state and repeats the same iterations: the result is bit for bit that of an undisturbed run.
 * (The reliability tests kill real executor JVMs; here the failure is injected in local mode.)
 */
class StageRetryTest {
    @TempDir
    static Path out;
    static JavaSparkContext sc;
    static Datasets data;

    @BeforeAll
    static void startSpark() {
        // local[2,4]: up to 4 task failures, so that Spark retries instead of giving up at the first one.
        ConfigLoader.Loaded loaded = TestData.config(out, "spark.master=local[2,4]");
        SparkConf conf = SparkSetup.sparkConf(loaded.config()).setAppName("spark-ddp-retry-tests");
        sc = new JavaSparkContext(SparkContext.getOrCreate(conf));
        data = TestData.load(loaded);
    }

    @AfterAll
    static void stopSpark() {
        sc.stop();
    }

    @AfterEach
    void clearFault() {
        FaultInjection.clear();
    }

    private static ModelState train(String mode) {
        return Distributed.train(sc, data, TestData.config(out, "spark.master=local[2,4]", "training.mode=" + mode,
                "training.average-every=3", "training.epochs=2", "training.max-iterations=20",
                "training.iterations-per-stage=12")).finalState();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sync", "average"})
    void aTaskThatDiesMidStageIsRetriedWithoutChangingTheResult(String mode) {
        ModelState undisturbed = train(mode);

        AtomicInteger failures = new AtomicInteger();
        FaultInjection.set((attempt, rank, iteration) -> {
            // Rank 1 dies once, in the middle of the first stage (iterations 0-11).
            if (rank == 1 && iteration == 7 && failures.getAndIncrement() == 0) {
                throw new IllegalStateException("injected failure of rank 1 before iteration 7");
            }
        });
        ModelState retried = train(mode);

        assertEquals(2, failures.get(), "rank 1 should reach iteration 7 twice: failing, then on the resubmitted stage");
        assertEquals(undisturbed.iteration(), retried.iteration());
        assertTrue(Arrays.equals(undisturbed.params(), retried.params()), "parameters differ after the retry");
        assertTrue(Arrays.equals(undisturbed.updaterState(), retried.updaterState()), "optimizer state differs");
    }
}
