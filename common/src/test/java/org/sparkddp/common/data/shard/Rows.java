package org.sparkddp.common.data.shard;

import org.sparkddp.common.data.FeatureMatrix;

/** Reads matrices row by row, as training does, for comparisons. */
final class Rows {
    private Rows() {
    }

    static float[] all(FeatureMatrix features) {
        float[] all = new float[features.rows() * features.columns()];
        for (int r = 0; r < features.rows(); r++) {
            features.copyRow(r, all, r * features.columns());
        }
        return all;
    }

    static float[] of(FeatureMatrix features, int[] rows) {
        float[] out = new float[rows.length * features.columns()];
        for (int i = 0; i < rows.length; i++) {
            features.copyRow(rows[i], out, i * features.columns());
        }
        return out;
    }

    static int[] shuffled(int n, long seed) {
        int[] rows = new int[n];
        java.util.Arrays.setAll(rows, i -> i);
        java.util.Random random = new java.util.Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        return rows;
    }
}
