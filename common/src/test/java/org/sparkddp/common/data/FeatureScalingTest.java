package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.Normalization;

/** The map {@link FeatureStats#scaling} fits, applied row by row as the executors apply it. */
class FeatureScalingTest {
    /** Three rows: column 0 spans 2..6, column 1 is constant 5, column 2 spans -1..1. */
    private static final DenseFeatures TRAIN = new DenseFeatures(3, 3, new float[] {2, 5, -1, 4, 5, 0, 6, 5, 1});
    private static final DenseFeatures TEST = new DenseFeatures(2, 3, new float[] {8, 7, 0.5f, 2, 5, -3});

    /** Fitted to the rows in order, as an executor accumulates one block. */
    private static FeatureScaling fit(Normalization normalization, DenseFeatures train) {
        FeatureStats stats = new FeatureStats(train.columns());
        for (int r = 0; r < train.rows(); r++) {
            stats.add(train.data(), r * train.columns());
        }
        return stats.scaling(normalization);
    }

    /** Every row mapped, in a copy. */
    private static DenseFeatures apply(FeatureScaling scaling, DenseFeatures features) {
        float[] out = features.data().clone();
        for (int r = 0; r < features.rows(); r++) {
            scaling.applyInPlace(out, r * features.columns());
        }
        return new DenseFeatures(features.rows(), features.columns(), out);
    }

    @Test
    void scaleMapsTheTrainingRangeToUnitAndAppliesItToTest() {
        FeatureScaling scaling = fit(Normalization.SCALE, TRAIN);
        assertArrayEquals(new float[] {0, 0, 0, 0.5f, 0, 0.5f, 1, 0, 1}, apply(scaling, TRAIN).data(), 1e-6f);
        // Test values outside the training range go outside [0, 1]: the test set is not looked at.
        assertArrayEquals(new float[] {1.5f, 0, 0.75f, 0, 0, -1}, apply(scaling, TEST).data(), 1e-6f);
    }

    @Test
    void standardizeUsesTrainingMeanAndPopulationDeviation() {
        FeatureScaling scaling = fit(Normalization.STANDARDIZE, TRAIN);
        double std0 = Math.sqrt(8.0 / 3);  // deviations -2, 0, 2
        double std2 = Math.sqrt(2.0 / 3);  // deviations -1, 0, 1
        float[] train = apply(scaling, TRAIN).data();
        for (int c : new int[] {0, 2}) {
            double mean = 0;
            double squares = 0;
            for (int r = 0; r < 3; r++) {
                mean += train[r * 3 + c] / 3.0;
            }
            for (int r = 0; r < 3; r++) {
                squares += Math.pow(train[r * 3 + c] - mean, 2) / 3.0;
            }
            assertEquals(0, mean, 1e-6, "mean of column " + c);
            assertEquals(1, squares, 1e-5, "variance of column " + c);
        }
        float[] test = apply(scaling, TEST).data();
        assertEquals((8 - 4) / std0, test[0], 1e-5);
        assertEquals((-3 - 0) / std2, test[5], 1e-5);
    }

    @Test
    void constantFeatureBecomesZeroNotNaN() {
        for (Normalization n : new Normalization[] {Normalization.SCALE, Normalization.STANDARDIZE}) {
            FeatureScaling scaling = fit(n, TRAIN);
            float[] test = apply(scaling, TEST).data();
            assertEquals(0f, test[1], n.toString());
            assertEquals(0f, test[4], n.toString());
            assertEquals(0f, apply(scaling, TRAIN).data()[4], n.toString());
        }
    }

    @Test
    void noneIsTheIdentity() {
        DenseFeatures same = apply(fit(Normalization.NONE, TRAIN), TEST);
        assertArrayEquals(TEST.data(), same.data(), 0f);
    }
}
