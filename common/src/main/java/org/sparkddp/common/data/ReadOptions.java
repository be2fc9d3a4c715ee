package org.sparkddp.common.data;

import org.sparkddp.common.config.BadRowPolicy;

/**
 * What reading one tabular file needs besides its format: how targets are read, what a bad row does, and what
 * the training set already fixed (for the test set).
 *
 * @param kind          class indices or real values
 * @param onBadRow      fail or skip
 * @param knownClasses  for class indices, the training set's number of classes; 0 while reading the training set
 * @param knownFeatures for LibSVM, the training set's number of features; 0 while reading the training set
 * @param classesFixed  whether {@code knownClasses} is {@code data.classes} (so a message names that key) rather
 *                      than the training labels' range
 */
public record ReadOptions(TargetKind kind, BadRowPolicy onBadRow, int knownClasses, int knownFeatures,
                          boolean classesFixed) implements java.io.Serializable {
    /** Reading the training set: classes and features come from it. */
    public static ReadOptions forTraining(TargetKind kind, BadRowPolicy onBadRow) {
        return new ReadOptions(kind, onBadRow, 0, 0, false);
    }

    /**
     * Reading the training set when {@code data.classes} may fix the classes: a label at or above it is a bad row.
     *
     * @param classes data.classes, or empty to take the classes from the training labels
     */
    public static ReadOptions forTraining(TargetKind kind, BadRowPolicy onBadRow, java.util.OptionalInt classes) {
        return classes.isPresent() && kind == TargetKind.CLASS_INDEX
                ? new ReadOptions(kind, onBadRow, classes.getAsInt(), 0, true) : forTraining(kind, onBadRow);
    }

    /** Reading the test set, given the training set's classes (0 for real targets) and features. */
    public ReadOptions forTest(int classes, int features) {
        return new ReadOptions(kind, onBadRow, classes, features, classesFixed);
    }

    /** How a label outside {@code 0..knownClasses-1} is described: what fixed the range. */
    public String classRange() {
        return classesFixed ? "data.classes = " + knownClasses + " (labels 0.." + (knownClasses - 1) + ")"
                : "the training labels 0.." + (knownClasses - 1);
    }
}
