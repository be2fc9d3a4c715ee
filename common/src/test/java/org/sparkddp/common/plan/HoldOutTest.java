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
    void holdsOutAboutTheFractionDisjointAscendingAndCoveringEverything() {
        HoldOut h = HoldOut.of(1000, 0.15, 42);
        // Binomial(1000, 0.15): mean 150, standard deviation 11.3; the seed fixes the draw.
        assertTrue(h.held().length > 110 && h.held().length < 190, "held " + h.held().length);
        assertEquals(1000, h.held().length + h.kept().length);
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
    void eachRowIsDecidedByTheRuleAloneSoAnyPrefixAgrees() {
        // The executors decide a row from its number alone: the rows held out of 300 are those of 1000 below 300.
        HoldOut.Rule rule = new HoldOut.Rule(0.3, 5);
        HoldOut whole = HoldOut.of(1000, 0.3, 5);
        HoldOut prefix = HoldOut.of(300, 0.3, 5);
        assertArrayEquals(Arrays.stream(whole.held()).filter(i -> i < 300).toArray(), prefix.held());
        for (int i = 0; i < 1000; i++) {
            assertEquals(Arrays.binarySearch(whole.held(), i) >= 0, rule.held(i), "row " + i);
        }
        assertEquals(rule.unit(1L << 40), new HoldOut.Rule(0.3, 5).unit(1L << 40));
    }

    @Test
    void noFractionHoldsOutNothingAndATinyOneAtLeastOneExample() {
        HoldOut none = HoldOut.of(10, 0, 1);
        assertFalse(none.any());
        assertArrayEquals(IntStream.range(0, 10).toArray(), none.kept());
        HoldOut tiny = HoldOut.of(10, 0.01, 1);
        assertEquals(1, tiny.held().length);
        HoldOut.Rule rule = new HoldOut.Rule(0.01, 1);
        int smallest = IntStream.range(0, 10).boxed().min((a, b) -> Double.compare(rule.unit(a), rule.unit(b)))
                .orElseThrow();
        assertEquals(smallest, tiny.held()[0]);
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
