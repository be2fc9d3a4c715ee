package org.sparkddp.common.data;

/**
 * Checks the targets of a tabular file row by row, as they come (a bad one is a bad row): class indices against
 * the training set's classes, if known; binary targets for 0 or 1. Runs on an executor decoding a block
 * ({@link TextBlockDecoder}).
 */
final class TargetColumns {
    private final TargetKind kind;
    private final int knownClasses;
    private final String classRange;

    /**
     * @param options how targets are read, and the training set's number of classes (labels must be below it), or
     *                0 when reading the training set itself
     * @param width   target values per row (1 for class indices)
     */
    TargetColumns(ReadOptions options, int width) {
        if (options.kind() == TargetKind.CLASS_INDEX && width != 1) {
            throw new IllegalArgumentException("class indices take one column, not " + width);
        }
        this.kind = options.kind();
        this.knownClasses = options.knownClasses();
        this.classRange = options.classRange();
    }

    /** Checks a row's target value; false after rejecting the row through {@code bad}. */
    boolean accept(float value, long line, BadRows bad) {
        return switch (kind) {
            case CLASS_INDEX -> RowCheck.classLabel(bad, line, value, knownClasses, classRange);
            case BINARY -> RowCheck.binaryLabel(bad, line, value);
            case REAL -> true;
        };
    }
}
