package org.sparkddp.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sparkddp.worker.stage.ProgressAccumulator;

/** The position a signal's line reports: the furthest iteration seen, its epoch, and the newest checkpoint. */
class RunPositionTest {
    @Test
    void theLineNamesTheFurthestIterationItsEpochAndTheNewestCheckpoint() {
        AtomicReference<Optional<String>> last = new AtomicReference<>(Optional.empty());
        RunPosition position = RunPosition.start(0, 125, Optional.of("/c"), last::get);
        assertSame(position, RunPosition.current().orElseThrow());
        assertEquals("at iteration 0 (epoch 1); no checkpoint was written to /c yet (checkpoint.every-iterations or"
                + " checkpoint.every-epochs says when), so a new run starts from the beginning", position.describe());

        position.onProgress(new ProgressAccumulator.Tick(1, 3, 128, 0.5f), 125, 10);
        position.onProgress(new ProgressAccumulator.Tick(0, 120, 120, 0.5f), 125, 10); // a late heartbeat
        last.set(Optional.of("/c/ckpt-000000000100"));
        assertEquals("at iteration 128 (epoch 2); the last checkpoint is /c/ckpt-000000000100; resume with --resume"
                + " /c/ckpt-000000000100", position.describe());
    }

    @Test
    void aResumedRunStartsAtItsCheckpointAndARunWithoutCheckpointsSaysHowToHaveThem() {
        assertEquals("at iteration 250 (epoch 3); the last checkpoint is /c/ckpt-000000000250; resume with --resume"
                + " /c/ckpt-000000000250", RunPosition.start(250, 125, Optional.of("/c"),
                () -> Optional.of("/c/ckpt-000000000250")).describe());
        assertEquals("at iteration 7 (epoch 1); no checkpoint was written (checkpoint.dir is not set: set it to be able"
                + " to resume an interrupted run with --resume)", RunPosition.start(7, 125, Optional.empty(),
                Optional::empty).describe());
    }
}
