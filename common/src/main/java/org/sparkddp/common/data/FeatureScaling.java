package org.sparkddp.common.data;

import org.sparkddp.common.config.Normalization;

/**
 * A per-feature affine map {@code x' = (x - shift) * factor}, fitted on the training set and then applied to the
 * training and the test set alike, so that the test set is seen exactly as the training set was. Fitted and
 * applied on the driver, once, before the data is sharded.
 *
 * <p>NOTE: statistics are accumulated in double (a float sum of 10^5 values loses digits), and a feature that is
 * constant in the training set gets factor 0: it becomes 0 everywhere instead of 0/0 = NaN.
 *
 * @param shift  subtracted from each feature (the minimum, or the mean)
 * @param factor then multiplied in (1 / range, or 1 / standard deviation; 0 for a constant feature)
 */
public record FeatureScaling(float[] shift, float[] factor) {
    public FeatureScaling {
        if (shift.length != factor.length) {
            throw new IllegalArgumentException(shift.length + " shifts but " + factor.length + " factors");
        }
    }

    /** Fits {@code normalization} to the training features; {@code none} is the identity. */
    public static FeatureScaling fit(Normalization normalization, DenseFeatures train) {
        int d = train.columns();
        float[] shift = new float[d];
        float[] factor = new float[d];
        java.util.Arrays.fill(factor, 1f);
        switch (normalization) {
            case NONE -> {
            }
            case SCALE -> minMax(train, shift, factor);
            case STANDARDIZE -> meanStd(train, shift, factor);
            default -> throw new IllegalArgumentException("unknown normalization " + normalization);
        }
        return new FeatureScaling(shift, factor);
    }

    private static void minMax(DenseFeatures train, float[] shift, float[] factor) {
        for (int c = 0; c < train.columns(); c++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < train.rows(); r++) {
                min = Math.min(min, train.get(r, c));
                max = Math.max(max, train.get(r, c));
            }
            shift[c] = (float) min;
            factor[c] = max > min ? (float) (1.0 / (max - min)) : 0f;
        }
    }

    /** Population statistics (divide by n): the training set is the whole population we scale for. */
    private static void meanStd(DenseFeatures train, float[] shift, float[] factor) {
        int n = train.rows();
        for (int c = 0; c < train.columns(); c++) {
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += train.get(r, c);
            }
            double mean = sum / n;
            double squares = 0;
            for (int r = 0; r < n; r++) {
                double deviation = train.get(r, c) - mean;
                squares += deviation * deviation;
            }
            double std = Math.sqrt(squares / n);
            shift[c] = (float) mean;
            factor[c] = std > 0 ? (float) (1.0 / std) : 0f;
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
