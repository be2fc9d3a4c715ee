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
 */
public record ReadOptions(TargetKind kind, BadRowPolicy onBadRow, int knownClasses, int knownFeatures) {
    /** Reading the training set: classes and features come from it. */
    public static ReadOptions forTraining(TargetKind kind, BadRowPolicy onBadRow) {
        return new ReadOptions(kind, onBadRow, 0, 0);
    }

    /** Reading the test set, which must fit the training set's classes and features. */
    public ReadOptions forTest(LabeledExamples train) {
        int classes = train.targets() instanceof ClassLabels labels ? labels.numClasses() : 0;
        return new ReadOptions(kind, onBadRow, classes, train.numFeatures());
    }
}
