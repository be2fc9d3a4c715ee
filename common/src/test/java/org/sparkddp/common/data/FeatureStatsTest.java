package org.sparkddp.common.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkddp.common.config.Normalization;

class FeatureStatsTest {
    /** 1,000 rows of 3 features, one with a large mean (where a sum of squares would lose the variance). */
    private static float[] rows(Random random) {
        float[] data = new float[3000];
        for (int r = 0; r < 1000; r++) {
            data[3 * r] = (float) random.nextGaussian();
            data[3 * r + 1] = (float) (1e4 + random.nextGaussian() * 0.01);
            data[3 * r + 2] = 7f; // constant: factor 0, never NaN
        }
        return data;
    }

    @Test
    void blocksMergedInOrderMatchOneSequentialPass() {
        float[] data = rows(new Random(3));
        FeatureStats whole = new FeatureStats(3);
        for (int r = 0; r < 1000; r++) {
            whole.add(data, 3 * r);
        }
        FeatureStats merged = new FeatureStats(3);
        int[] cuts = {0, 1, 250, 251, 700, 1000};
        for (int b = 0; b + 1 < cuts.length; b++) {
            FeatureStats block = new FeatureStats(3);
            for (int r = cuts[b]; r < cuts[b + 1]; r++) {
                block.add(data, 3 * r);
            }
            merged.merge(block);
        }
        merged.merge(new FeatureStats(3)); // an empty block changes nothing
        assertEquals(1000, merged.count());
        FeatureScaling a = whole.scaling(Normalization.STANDARDIZE);
        FeatureScaling b = merged.scaling(Normalization.STANDARDIZE);
        assertArrayEquals(a.shift(), b.shift(), 1e-6f);
        assertArrayEquals(a.factor(), b.factor(), 1e-3f * a.factor()[1]);
        assertEquals(0f, b.factor()[2]);
        // min and max merge exactly: scale is bitwise the same however the rows were cut.
        assertArrayEquals(whole.scaling(Normalization.SCALE).shift(), merged.scaling(Normalization.SCALE).shift(), 0f);
        assertArrayEquals(whole.scaling(Normalization.SCALE).factor(), merged.scaling(Normalization.SCALE).factor(),
                0f);
        // The large-mean feature's deviation (0.01) survives: 1 / std is about 100.
        assertEquals(100, b.factor()[1], 5);
    }
}
