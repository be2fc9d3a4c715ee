package org.sparkddp.common.data;

import org.sparkddp.common.config.Normalization;

/**
 * A per-feature affine map {@code x' = (x - shift) * factor}, fitted on the training set and then applied to the
 * training and the test set alike, so that the test set is seen exactly as the training set was. Fitted and
 * applied where the rows are: on the driver for a file it read whole, on the executors as they build
 * shards.
 *
 * <p>NOTE: statistics are accumulated in double (a float sum of 10^5 values loses digits), and a feature that is
 * constant in the training set gets factor 0: it becomes 0 everywhere instead of 0/0 = NaN.
 *
 * @param shift  subtracted from each feature (the minimum, or the mean)
 * @param factor then multiplied in (1 / range, or 1 / standard deviation; 0 for a constant feature)
 */
public record FeatureScaling(float[] shift, float[] factor) implements java.io.Serializable {
    public FeatureScaling {
        if (shift.length != factor.length) {
            throw new IllegalArgumentException(shift.length + " shifts but " + factor.length + " factors");
        }
    }

    /**
     * Fits {@code normalization} to the training features; {@code none} is the identity. The statistics are those
     * the executors accumulate block by block ({@link FeatureStats}), here over the rows in order, so that a file
     * read whole by the driver and read as one block by an executor are scaled alike.
     */
    public static FeatureScaling fit(Normalization normalization, DenseFeatures train) {
        FeatureStats stats = new FeatureStats(train.columns());
        float[] data = train.data();
        for (int r = 0; r < train.rows(); r++) {
            stats.add(data, r * train.columns());
        }
        return stats.scaling(normalization);
    }

    /** Maps one row in place: {@code shift.length} values of {@code row} from {@code offset}. */
    public void applyInPlace(float[] row, int offset) {
        for (int c = 0; c < shift.length; c++) {
            row[offset + c] = (float) (((double) row[offset + c] - shift[c]) * factor[c]);
        }
    }

    /** A new matrix with every row mapped; the input is left as it was. */
    public DenseFeatures apply(DenseFeatures features) {
        if (features.columns() != shift.length) {
            throw new IllegalArgumentException("Dimensions mismatch: " + features.columns() + " features, scaling for "
                    + shift.length);
        }
        float[] in = features.data();
        float[] out = new float[in.length];
        int d = shift.length;
        for (int i = 0; i < in.length; i++) {
            int c = i % d;
            out[i] = (float) (((double) in[i] - shift[c]) * factor[c]);
        }
        return new DenseFeatures(features.rows(), d, out);
    }
}
