package org.sparkddp.common.data;

/**
 * Examples with their labels: a whole dataset on the driver, or one shard on an executor.
 */
public record LabeledExamples(FeatureMatrix features, ClassLabels labels) {
    public LabeledExamples {
        if (features.rows() != labels.size()) {
            throw new IllegalArgumentException(features.rows() + " feature rows but " + labels.size() + " labels");
        }
    }

    public int size() {
        return labels.size();
    }

    public int numFeatures() {
        return features.columns();
    }

    /** One example's shape: {@code [features]}, or {@code [channels, height, width]} for images. */
    public java.util.List<Integer> inputShape() {
        return features.inputShape();
    }

    public int numClasses() {
        return labels.numClasses();
    }

    /** The given examples, in the given order. */
    public LabeledExamples select(int[] rows) {
        return new LabeledExamples(features.select(rows), labels.select(rows));
    }
}
