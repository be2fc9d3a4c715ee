package org.sparkddp.common.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class CheckpointConfigTest {
    private static CheckpointConfig every(int iterations) {
        return new CheckpointConfig(Optional.of("/ckpt"), OptionalInt.of(iterations), OptionalInt.empty(), 1);
    }

    @Test
    void aDuePointIsCheckpointedAtTheFirstStageEndAtOrAfterIt() {
        CheckpointConfig config = every(5);
        // Stage ends at the averages of K = 4 (and the epoch's end at 14): due points 5 and 10 are passed, not hit.
        long last = 0;
        List<Long> written = new ArrayList<>();
        for (long end : new long[] {4, 8, 12, 14, 16, 20}) {
            if (config.dueAfter(last, end, false, 0)) {
                written.add(end);
                last = end;
            }
        }
        assertEquals(List.of(8L, 12L, 16L, 20L), written);
    }

    @Test
    void aStageEndOnADuePointIsDueOnceAndAResumedRunCountsFromItsCheckpoint() {
        CheckpointConfig config = every(10);
        assertTrue(config.dueAfter(0, 10, false, 0));
        assertFalse(config.dueAfter(10, 10, false, 0), "the same stage end twice");
        assertFalse(config.dueAfter(20, 27, false, 1), "resumed from 20: the next is due at 30");
        assertTrue(config.dueAfter(20, 30, false, 1));
        assertFalse(CheckpointConfig.NONE.dueAfter(0, 100, true, 1));
    }

    @Test
    void epochEndsAreDueWithoutEveryIterations() {
        CheckpointConfig epochs = new CheckpointConfig(Optional.of("/ckpt"), OptionalInt.empty(), OptionalInt.of(2), 1);
        assertFalse(epochs.dueAfter(0, 14, true, 1));
        assertTrue(epochs.dueAfter(0, 28, true, 2));
        assertFalse(every(10).dueAfter(10, 14, true, 1), "epoch ends get none of their own with every-iterations");
    }
}
