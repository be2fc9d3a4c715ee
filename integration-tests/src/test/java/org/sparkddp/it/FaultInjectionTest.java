package org.sparkddp.it;

import org.junit.jupiter.api.AfterEach;
import org.sparkddp.worker.stage.FaultInjection;

/**
 * A local-mode test class whose tests inject task faults ({@link FaultInjection}, which the executors' tasks ask
 * in this JVM): local[2,4], so that Spark allows 4 task failures as on a cluster rather than local mode's 1, and
 * the fault cleared after each test so that none leaks into the next.
 */
abstract class FaultInjectionTest extends LocalSparkTest {
    static final String MASTER = "spark.master=local[2,4]";

    @Override
    String[] contextSettings() {
        return new String[] {MASTER};
    }

    @AfterEach
    void clearFault() {
        FaultInjection.clear();
    }
}
