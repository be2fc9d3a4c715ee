package org.sparkddp.common.data;

import org.sparkddp.common.error.InvalidDataException;

/**
 * Collects the targets of a tabular file row by row and turns them into {@link Targets} at the end. It checks
 * each label as it comes (a bad one is a bad row): class indices against the training set's classes, if known;
 * binary targets for 0 or 1. Runs wherever a file is read: the driver, or an executor decoding a block.
 */
final class TargetColumns {
    private final TargetKind kind;
    private final int width;
    private final int knownClasses;
    private final String classRange;
    private final FloatColumn values = new FloatColumn();
    private int maxLabel = -1;

    /**
     * @param width        target values per row (1 for class indices)
     * @param knownClasses the training set's number of classes (labels must be below it), or 0 when reading the
     *                     training set itself
     */
    TargetColumns(TargetKind kind, int width, int knownClasses) {
        this(kind, width, knownClasses, "the training labels 0.." + (knownClasses - 1));
    }

    /** @param classRange what fixed {@code knownClasses}, for messages ({@link ReadOptions#classRange()}) */
    TargetColumns(TargetKind kind, int width, int knownClasses, String classRange) {
        if (kind == TargetKind.CLASS_INDEX && width != 1) {
            throw new IllegalArgumentException("class indices take one column, not " + width);
        }
        this.kind = kind;
        this.width = width;
        this.knownClasses = knownClasses;
        this.classRange = classRange;
    }

    TargetColumns(ReadOptions options, int width) {
        this(options.kind(), width, options.knownClasses(), options.classRange());
    }

    /** Checks a row's target value; false after rejecting the row through {@code bad}. */
    boolean accept(float value, long line, BadRows bad) {
        return switch (kind) {
            case CLASS_INDEX -> RowCheck.classLabel(bad, line, value, knownClasses, classRange);
            case BINARY -> RowCheck.binaryLabel(bad, line, value);
            case REAL -> true;
        };
    }

    /** Appends one row's targets, already accepted. */
    void add(float[] row) {
        for (int i = 0; i < width; i++) {
            values.add(row[i]);
            if (kind == TargetKind.CLASS_INDEX) {
                maxLabel = Math.max(maxLabel, (int) row[i]);
            }
        }
    }

    Targets build(String file) {
        if (kind != TargetKind.CLASS_INDEX) {
            return new RealTargets(width, values.toArray());
        }
        int numClasses = knownClasses;
        if (numClasses == 0) {
            numClasses = maxLabel + 1;
            if (numClasses < 2) {
                throw new InvalidDataException(file, "holds a single class (every label is 0)");
            }
        }
        int[] labels = new int[values.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (int) values.get(i);
        }
        return new ClassLabels(numClasses, labels);
    }
}
