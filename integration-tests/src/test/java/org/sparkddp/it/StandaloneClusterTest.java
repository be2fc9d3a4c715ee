package org.sparkddp.it;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class that runs on the suite's shared standalone cluster on loopback ({@link SharedCluster}: a master and
 * two workers of one core and 1 GB, executors in JVMs of their own). Its tests must leave the cluster as they found
 * it: they may kill executors and applications, but not the master or a worker; each test starts on an idle cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SharedCluster.class)
abstract class StandaloneClusterTest {
    /** A temporary directory for the class's outputs; the cluster's state is in {@code cluster.state()}. */
    Path dir;
    LocalCluster cluster;

    @BeforeAll
    void useSharedCluster(@TempDir Path tmp, LocalCluster shared) {
        dir = tmp;
        cluster = shared;
    }

    /** The previous test's application (killed, interrupted, failed) has ended before this one starts. */
    @BeforeEach
    void awaitIdleCluster() {
        SharedCluster.awaitIdle(cluster);
    }
}
