package org.sparkddp.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class that shares one standalone cluster on loopback ({@link LocalCluster}: a master and two workers of
 * one core and 1 GB, executors in JVMs of their own) across its tests, and stops it after them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StandaloneClusterTest {
    /** A temporary directory for the class's outputs; the cluster's state is in {@code dir/cluster}. */
    Path dir;
    LocalCluster cluster;

    @BeforeAll
    void startCluster(@TempDir Path tmp) throws Exception {
        dir = tmp;
        cluster = LocalCluster.start(dir.resolve("cluster"), 2, 1, "1g");
    }

    @AfterAll
    void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }
}
