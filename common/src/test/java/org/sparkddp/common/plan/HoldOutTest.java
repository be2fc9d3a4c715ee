package org.sparkddp.common.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HoldOutTest {
    @Test
    void holdsOutTheRoundedFractionDisjointAscendingAndCoveringEverything() {
        HoldOut h = HoldOut.of(1000, 0.15, 42);
        assertEquals(150, h.held().length);
        assertEquals(850, h.kept().length);
        int[] all = IntStream.concat(Arrays.stream(h.held()), Arrays.stream(h.kept())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 1000).toArray(), all);
        assertTrue(isAscending(h.held()) && isAscending(h.kept()));
        // Spread over the file, not its first rows: a file sorted by class must not lose a class to validation.
        assertTrue(h.held()[h.held().length - 1] > 800 && h.held()[0] < 200, Arrays.toString(h.held()));
    }

    @Test
    void theSameSeedHoldsOutTheSameExamplesAndAnotherSeedOthers() {
        assertArrayEquals(HoldOut.of(500, 0.2, 7).held(), HoldOut.of(500, 0.2, 7).held());
        assertFalse(Arrays.equals(HoldOut.of(500, 0.2, 7).held(), HoldOut.of(500, 0.2, 8).held()));
    }

    @Test
    void noFractionHoldsOutNothingAndATinyOneAtLeastOneExample() {
        HoldOut none = HoldOut.of(10, 0, 1);
        assertFalse(none.any());
        assertArrayEquals(IntStream.range(0, 10).toArray(), none.kept());
        assertEquals(1, HoldOut.of(10, 0.01, 1).held().length);
    }

    private static boolean isAscending(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] <= a[i - 1]) {
                return false;
            }
        }
        return true;
    }
}
