package org.sparkddp.common.data;

/**
 * Examples with their targets: a whole dataset on the driver, or one shard on an executor.
 */
public record LabeledExamples(FeatureMatrix features, Targets targets) {
    public LabeledExamples {
        if (features.rows() != targets.size()) {
            throw new IllegalArgumentException(features.rows() + " feature rows but " + targets.size() + " targets");
        }
    }

    public int size() {
        return targets.size();
    }

    public int numFeatures() {
        return features.columns();
    }

    /** Shape of one example as the network's input sees it; see {@link FeatureMatrix#inputShape()}. */
    public int[] inputShape() {
        return features.inputShape();
    }

    /** Floats per example of encoded targets: the network's output width (the number of classes, for labels). */
    public int targetWidth() {
        return targets.width();
    }

    /** The targets as class labels; fails for real-valued targets, which have no classes. */
    public ClassLabels classLabels() {
        if (targets instanceof ClassLabels labels) {
            return labels;
        }
        throw new IllegalStateException("these examples have real-valued targets, not class labels");
    }

    /** The given examples, in the given order. */
    public LabeledExamples select(int[] rows) {
        return new LabeledExamples(features.select(rows), targets.select(rows));
    }
}
