package org.sparkddp.common.data;

/**
 * The checks a row of features and a label gets, as a DataFrame hands it over, wherever it is read (the driver's
 * {@link DenseRows}, or an executor decoding a block): null features or label, a width other than the one
 * expected, a NaN or infinite number. Class labels are checked by the caller, which knows the classes.
 */
public final class RowCheck {
    private RowCheck() {
    }

    /**
     * The row's label as a float, or null after rejecting the row through {@code bad}.
     *
     * @param row      the row's 1-based number, for the message
     * @param expected the width every row must have, or -1 while none is known
     * @param source   where {@code expected} comes from, for the message: "the first row" or "the training set"
     */
    public static Float label(BadRows bad, long row, float[] values, Double label, int expected, String source) {
        if (values == null) {
            bad.reject(row, "the features are null");
            return null;
        }
        if (label == null) {
            bad.reject(row, "the label is null");
            return null;
        }
        if (expected >= 0 && values.length != expected) {
            bad.reject(row, "has " + values.length + " features but " + source + " has " + expected);
            return null;
        }
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                bad.reject(row, "feature " + i + " is " + values[i] + ", expected a finite number");
                return null;
            }
        }
        float value = label.floatValue();
        if (!Float.isFinite(value)) {
            bad.reject(row, "the label is " + label + ", expected a finite number");
            return null;
        }
        return value;
    }
}
