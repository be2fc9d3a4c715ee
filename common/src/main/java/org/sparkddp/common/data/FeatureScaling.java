package org.sparkddp.common.data;

/**
 * A per-feature affine map {@code x' = (x - shift) * factor}, fitted on the training set and then applied to the
 * training and the test set alike, so that the test set is seen exactly as the training set was. Fitted on the
 * driver from the statistics the executors accumulate ({@link FeatureStats#scaling}), applied on the executors as
 * they build shards.
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

    /** Maps one row in place: {@code shift.length} values of {@code row} from {@code offset}. */
    public void applyInPlace(float[] row, int offset) {
        for (int c = 0; c < shift.length; c++) {
            row[offset + c] = (float) (((double) row[offset + c] - shift[c]) * factor[c]);
        }
    }
}
