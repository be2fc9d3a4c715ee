package org.sparkddp.common.data;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkddp.common.config.Normalization;

/**
 * Per-feature statistics of the training rows that {@code data.normalize} needs: count, mean, sum of squared
 * deviations, minimum and maximum. Accumulated row by row on an executor, for one block of a file, and merged on
 * the driver, in the rows' order.
 *
 * <p>NOTE: the mean and squared deviations follow Welford's update and Chan, Golub and LeVeque's pairwise merge
 * ("Updating formulae and a pairwise algorithm for computing sample variances", 1979), in double: stable for
 * features with a large mean, unlike a sum of squares. Minimum and maximum merge exactly, so {@code scale} is the
 * same whatever blocks the rows were read in; {@code standardize} may differ in a double's last bits between two
 * layouts of the same rows (one file against seven), which a float feature rarely shows.
 */
public final class FeatureStats implements Serializable {
    private static final long serialVersionUID = 1L;

    private long count;
    private final double[] mean;
    private final double[] m2;
    private final double[] min;
    private final double[] max;

    /** The zero of {@code columns} features: no rows. */
    public FeatureStats(int columns) {
        mean = new double[columns];
        m2 = new double[columns];
        min = new double[columns];
        max = new double[columns];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    public int columns() {
        return mean.length;
    }

    public long count() {
        return count;
    }

    /** Adds one row: {@code columns()} values of {@code row} from {@code offset}. */
    public void add(float[] row, int offset) {
        count++;
        for (int c = 0; c < mean.length; c++) {
            double x = row[offset + c];
            double delta = x - mean[c];
            mean[c] += delta / count;
            m2[c] += delta * (x - mean[c]);
            min[c] = Math.min(min[c], x);
            max[c] = Math.max(max[c], x);
        }
    }

    /** Merges the rows that follow this one's; returns this. */
    public FeatureStats merge(FeatureStats other) {
        if (other.columns() != columns()) {
            throw new IllegalArgumentException("Dimensions mismatch: " + columns() + " features, merging "
                    + other.columns());
        }
        if (other.count == 0) {
            return this;
        }
        long n = count + other.count;
        for (int c = 0; c < mean.length; c++) {
            double delta = other.mean[c] - mean[c];
            if (count == 0) {
                mean[c] = other.mean[c];
                m2[c] = other.m2[c];
            } else {
                mean[c] += delta * other.count / n;
                m2[c] += other.m2[c] + delta * delta * ((double) count * other.count / n);
            }
            min[c] = Math.min(min[c], other.min[c]);
            max[c] = Math.max(max[c], other.max[c]);
        }
        count = n;
        return this;
    }

    /** The map {@code normalization} fits to these rows; {@code none} is the identity. */
    public FeatureScaling scaling(Normalization normalization) {
        int d = columns();
        float[] shift = new float[d];
        float[] factor = new float[d];
        Arrays.fill(factor, 1f);
        for (int c = 0; c < d && count > 0; c++) {
            switch (normalization) {
                case NONE -> {
                }
                case SCALE -> {
                    shift[c] = (float) min[c];
                    factor[c] = max[c] > min[c] ? (float) (1.0 / (max[c] - min[c])) : 0f;
                }
                case STANDARDIZE -> { // population statistics: the training set is the population we scale for
                    double std = Math.sqrt(m2[c] / count);
                    shift[c] = (float) mean[c];
                    factor[c] = std > 0 ? (float) (1.0 / std) : 0f;
                }
                default -> throw new IllegalArgumentException("unknown normalization " + normalization);
            }
        }
        return new FeatureScaling(shift, factor);
    }
}
