package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.ElasticConfig;
import org.sparkddp.common.error.InvalidConfigException;

/** The driver's choice of each stage's worker count, on a clock and a slot count the test moves itself. */
class WorkerSizingTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger slots = new AtomicInteger(2);
    /** Slots to set once the clock passes a time: a replacement executor registering. */
    private long changeAt = Long.MAX_VALUE;
    private int changeTo;

    private WorkerSizing sizing(ElasticConfig elastic, int workers) {
        return new WorkerSizing(elastic, workers, slots::get, clock::get, nanos -> {
            clock.addAndGet(nanos);
            if (clock.get() >= changeAt) {
                slots.set(changeTo);
                changeAt = Long.MAX_VALUE;
            }
        });
    }

    private static ElasticConfig elastic(int min, int max) {
        return new ElasticConfig(true, min, max, WAIT);
    }

    @Test
    void aFixedCountRunsWhenItsSlotsAreThere() {
        WorkerSizing sizing = sizing(ElasticConfig.fixed(2, WAIT), 2);
        assertEquals(2, sizing.beforeStage(0, 0));
        assertEquals(0, clock.get(), "no wait when the slots are there");
        assertEquals(List.of(), sizing.resizes());
    }

    @Test
    void aFixedCountWaitsForAReplacementThenGoesOn() {
        WorkerSizing sizing = sizing(ElasticConfig.fixed(2, WAIT), 2);
        sizing.beforeStage(0, 0);
        slots.set(1);
        changeAt = Duration.ofSeconds(20).toNanos();
        changeTo = 2;
        assertEquals(2, sizing.afterFailure(50, 0));
        assertTrue(clock.get() >= Duration.ofSeconds(20).toNanos() && clock.get() < WAIT.toNanos(), "waited " + clock.get());
        assertEquals(List.of(), sizing.resizes());
    }

    @Test
    void aFixedCountFailsInOneLineWhenNoReplacementComes() {
        WorkerSizing sizing = sizing(ElasticConfig.fixed(2, WAIT), 2);
        sizing.beforeStage(0, 0);
        slots.set(1);
        WorkerSizing.WorkersUnavailableException e = assertThrows(WorkerSizing.WorkersUnavailableException.class,
                () -> sizing.afterFailure(50, 0));
        assertEquals("the cluster has 1 of the 2 task slots a stage needs, and lost executors were not replaced within"
                + " training.replacement-wait (60s); check the cluster manager for the lost executors, or set"
                + " training.elastic = true to go on with fewer workers", e.getMessage());
        assertTrue(clock.get() >= WAIT.toNanos() && clock.get() < WAIT.toNanos() + Duration.ofSeconds(5).toNanos(),
                "bounded by the wait: " + clock.get());
    }

    /** The first stage of a fixed count that never gets its slots: a config error, advising fewer workers. */
    @Test
    void aFixedCountTheClusterNeverOffersIsAConfigError() {
        slots.set(1);
        WorkerSizing sizing = sizing(ElasticConfig.fixed(3, WAIT), 3);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> sizing.beforeStage(0, 0));
        assertTrue(e.getMessage().startsWith("training.workers: is 3 but the cluster gave this job only 1 task slot"
                + " within training.replacement-wait (60s): lower training.workers, or give the job more executors"),
                e.getMessage());
    }

    @Test
    void elasticShrinksToTheSurvivorsAfterTheWait() {
        WorkerSizing sizing = sizing(elastic(1, 2), 2);
        List<Resize> told = new ArrayList<>();
        sizing.addListener(told::add);
        assertEquals(2, sizing.beforeStage(0, 0));
        slots.set(1);
        assertEquals(1, sizing.afterFailure(120, 1));
        Resize r = sizing.resizes().get(0);
        assertEquals(new Resize(120, 1, 2, 1, Resize.Reason.LOST, r.waitNanos()), r);
        assertTrue(r.waitNanos() >= WAIT.toNanos(), "waited for a replacement first: " + r.waitNanos());
        assertEquals(sizing.resizes(), told);
        assertEquals(1, sizing.beforeStage(130, 1), "no new slots, no change");
    }

    @Test
    void elasticKeepsTheCountWhenTheReplacementComesInTime() {
        WorkerSizing sizing = sizing(elastic(1, 2), 2);
        sizing.beforeStage(0, 0);
        slots.set(1);
        changeAt = Duration.ofSeconds(10).toNanos();
        changeTo = 2;
        assertEquals(2, sizing.afterFailure(120, 1));
        assertEquals(List.of(), sizing.resizes());
    }

    @Test
    void elasticGrowsUpToMaxWorkersAtTheNextStage() {
        WorkerSizing sizing = sizing(elastic(1, 3), 2);
        assertEquals(2, sizing.beforeStage(0, 0), "starts at training.workers");
        slots.set(5);
        assertEquals(3, sizing.beforeStage(40, 0), "grows, but to max-workers only");
        assertEquals(new Resize(40, 0, 2, 3, Resize.Reason.GROWN, 0), sizing.resizes().get(0));
        assertEquals(3, sizing.beforeStage(80, 0));
        assertEquals(1, sizing.resizes().size());
    }

    @Test
    void elasticBelowMinWorkersFailsInOneLine() {
        WorkerSizing sizing = sizing(elastic(2, 3), 3);
        slots.set(3);
        sizing.beforeStage(0, 0);
        slots.set(1);
        WorkerSizing.WorkersUnavailableException e = assertThrows(WorkerSizing.WorkersUnavailableException.class,
                () -> sizing.afterFailure(10, 0));
        assertTrue(e.getMessage().startsWith("the cluster has 1 task slot after waiting training.replacement-wait (60s),"
                + " fewer than training.min-workers (2)"), e.getMessage());
    }

    /** A count that drops a moment after the failure (the scheduler removing the killed executor) is waited out. */
    @Test
    void afterAFailureTheCountMustHoldStill() {
        WorkerSizing sizing = sizing(elastic(1, 2), 2);
        sizing.beforeStage(0, 0);
        changeAt = Duration.ofMillis(500).toNanos();
        changeTo = 1;
        assertEquals(1, sizing.afterFailure(7, 0), "the executor's removal, seen after the stage failed, counts");
    }
}
