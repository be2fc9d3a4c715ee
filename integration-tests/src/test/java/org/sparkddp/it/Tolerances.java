package org.sparkddp.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Comparisons of distributed results against single-machine ones, within float tolerance. */
final class Tolerances {
    private Tolerances() {
    }

    /**
     * Largest element-wise relative error {@code |a - b| / max(|a|, |b|)}, over the elements whose magnitude is at
     * least {@code floor} times the largest magnitude in {@code expected}. Below that, float32 cancellation
     * noise dominates any real difference, so those elements are held to an absolute bound instead.
     */
    static double maxRelativeError(float[] expected, float[] actual, double floor) {
        assertEquals(expected.length, actual.length, "lengths differ");
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double magnitude = Math.max(Math.abs(expected[i]), Math.abs(actual[i]));
            double difference = Math.abs(expected[i] - actual[i]);
            if (magnitude >= floor * scale) {
                worst = Math.max(worst, difference / magnitude);
            } else {
                assertTrue(difference <= floor * scale * 1e-3 + 1e-12,
                        "element " + i + " is tiny but differs by " + difference);
            }
        }
        return worst;
    }

    static double maxAbsoluteError(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "lengths differ");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
