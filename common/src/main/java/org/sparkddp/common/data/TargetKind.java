package org.sparkddp.common.data;

/**
 * How the label/target columns of a tabular file are read. The model's loss decides (a softmax with
 * cross-entropy wants class indices, a sigmoid with binary cross-entropy 0 or 1, MSE real values); the data
 * loader is told, it does not guess. IDX labels are always class indices.
 */
public enum TargetKind {
    /** One column holding a class index 0, 1, 2, ...; the number of classes is the largest training label + 1. */
    CLASS_INDEX,
    /** One or more columns copied as floats (regression outputs). */
    REAL,
    /**
     * One or more columns copied as floats, each 0 or 1: what binary cross-entropy (sigmoid outputs) trains on.
     * Read as {@link #REAL}; only the check of each value differs.
     */
    BINARY;

    /**
     * What the model's loss trains on: class indices for cross-entropy and KL divergence, 0 or 1 for binary
     * cross-entropy, real values otherwise.
     */
    public static TargetKind of(org.sparkddp.common.config.ModelConfig model) {
        if (model.output().loss() == org.sparkddp.common.config.LossName.BINARY_CROSS_ENTROPY) {
            return BINARY;
        }
        return model.output().loss().classTargets() ? CLASS_INDEX : REAL;
    }
}
