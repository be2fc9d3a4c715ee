package org.sparkddp.common.data;

/**
 * The checks a row of features and a label gets, as a DataFrame hands it over to an executor decoding a block
 * ({@code FrameRowCheck}): null features or label, a width other than the one
 * expected, a NaN or infinite number; and the check of a class label, which every reader of class labels makes.
 */
public final class RowCheck {
    /** Class indices this large are surely a mistake (a regression target read as a class). */
    static final int MAX_CLASSES = 1 << 16;

    private RowCheck() {
    }

    /**
     * Whether {@code value} is a class label: a whole number below {@link #MAX_CLASSES} and, once the classes are
     * known ({@code knownClasses > 0}), below them; false after rejecting the row through {@code bad}.
     *
     * @param classRange what fixed {@code knownClasses}, for the message ({@link ReadOptions#classRange()})
     */
    public static boolean classLabel(BadRows bad, long row, float value, int knownClasses, String classRange) {
        if (value < 0 || value != Math.rint(value) || value >= MAX_CLASSES) {
            bad.reject(row, "class label " + number(value) + " is not a class index: a softmax output (loss"
                    + " cross-entropy or kl-divergence) wants a whole number in 0..classes-1"
                    + (value >= MAX_CLASSES ? ", and at most " + (MAX_CLASSES - 1) : ""));
            return false;
        }
        if (knownClasses > 0 && value >= knownClasses) {
            bad.reject(row, "class label " + (int) value + " is outside " + classRange);
            return false;
        }
        return true;
    }

    /**
     * Whether {@code value} is a binary target, 0 or 1; false after rejecting the row through {@code bad}.
     * (LibSVM files often label the negative class -1: it must be mapped to 0 first.)
     */
    public static boolean binaryLabel(BadRows bad, long row, float value) {
        if (value != 0 && value != 1) {
            bad.reject(row, "label " + number(value) + " is not 0 or 1, which binary cross-entropy (a sigmoid"
                    + " output) wants");
            return false;
        }
        return true;
    }

    /** A label as the file most likely wrote it: -1 rather than -1.0. */
    private static String number(float value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? Long.toString((long) value)
                : Float.toString(value);
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
