package org.sparkddp.it;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparkddp.common.config.ConfigLoader;
import org.sparkddp.driver.data.Datasets;

/**
 * A test class that shares one local SparkContext (local[2] unless {@link #contextSettings} says otherwise),
 * configured as the command line configures it, and the Fashion-MNIST subset, across its tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class LocalSparkTest {
    /** A temporary directory for the class's outputs. */
    Path out;
    JavaSparkContext sc;
    Datasets data;

    /** Config overrides for the shared context, such as another master URL. */
    String[] contextSettings() {
        return new String[0];
    }

    @BeforeAll
    void startSpark(@TempDir Path dir) {
        out = dir;
        ConfigLoader.Loaded loaded = TestData.config(out, contextSettings());
        sc = SharedSpark.start(loaded);
        data = TestData.load(loaded);
    }

    @AfterAll
    void stopSpark() {
        sc.stop();
    }
}
