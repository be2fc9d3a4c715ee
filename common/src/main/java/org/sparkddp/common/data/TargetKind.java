package org.sparkddp.common.data;

/**
 * How the label/target columns of a tabular file are read. The model's loss decides (a softmax with
 * cross-entropy wants class indices; MSE or a sigmoid with binary cross-entropy wants real values); the data
 * loader is told, it does not guess. IDX labels are always class indices.
 */
public enum TargetKind {
    /** One column holding a class index 0, 1, 2, ...; the number of classes is the largest training label + 1. */
    CLASS_INDEX,
    /** One or more columns copied as floats (regression outputs, or a 0/1 binary target). */
    REAL;

    /** What the model's loss trains on: class indices for cross-entropy and KL divergence, real values otherwise. */
    public static TargetKind of(org.sparkddp.common.config.ModelConfig model) {
        return model.output().loss().classTargets() ? CLASS_INDEX : REAL;
    }
}
