package org.sparkddp.common.data;

/**
 * Builds one worker's shard, row by row, in the order the rows are added (ascending row order: the order
 * {@link org.sparkddp.common.plan.VirtualShards} stores a worker's rows in). Runs on an executor, where the rows
 * arrive from the file system or a shuffle; the driver never holds them.
 *
 * <p>Features are kept as unsigned bytes (images, read scaled into [0, 1]) or as floats (tabular data, already
 * normalized); targets as class indices or real values.
 */
public final class ShardBuilder {
    private final boolean bytes;
    private final int columns;
    private final int[] inputShape;
    private final TargetKind kind;
    private final int targetWidth;
    private final java.io.ByteArrayOutputStream byteFeatures = new java.io.ByteArrayOutputStream();
    private final FloatColumn floatFeatures = new FloatColumn();
    private final FloatColumn targets = new FloatColumn();
    private int rows;

    private ShardBuilder(boolean bytes, int columns, int[] inputShape, TargetKind kind, int targetWidth) {
        this.bytes = bytes;
        this.columns = columns;
        this.inputShape = inputShape.clone();
        this.kind = kind;
        this.targetWidth = targetWidth;
    }

    /** Images: unsigned byte features of {@code inputShape}, class labels in {@code 0..classes-1}. */
    public static ShardBuilder images(int[] inputShape, int classes) {
        int columns = 1;
        for (int size : inputShape) {
            columns = Math.multiplyExact(columns, size);
        }
        return new ShardBuilder(true, columns, inputShape, TargetKind.CLASS_INDEX, classes);
    }

    /**
     * Tabular rows: float features, and class indices (then {@code targetWidth} is the number of classes) or
     * {@code targetWidth} real-valued targets.
     */
    public static ShardBuilder tabular(int columns, int[] inputShape, TargetKind kind, int targetWidth) {
        return new ShardBuilder(false, columns, inputShape, kind, targetWidth);
    }

    /** Adds an image row: {@code columns} bytes of {@code src} from {@code offset}, and its class. */
    public void addImage(byte[] src, int offset, int label) {
        if (!bytes) {
            throw new IllegalStateException("a tabular shard takes float rows");
        }
        byteFeatures.write(src, offset, columns);
        targets.add(label);
        rows++;
    }

    /**
     * Adds a tabular row: {@code columns} floats of {@code features}, and its targets (one class index, or
     * {@code targetWidth} real values).
     */
    public void addRow(float[] features, float[] target) {
        if (bytes) {
            throw new IllegalStateException("an image shard takes byte rows");
        }
        for (int i = 0; i < columns; i++) {
            floatFeatures.add(features[i]);
        }
        int width = kind == TargetKind.CLASS_INDEX ? 1 : targetWidth;
        for (int i = 0; i < width; i++) {
            targets.add(target[i]);
        }
        rows++;
    }

    public int rows() {
        return rows;
    }

    public LabeledExamples build() {
        FeatureMatrix features = bytes
                ? new UnsignedByteFeatures(rows, columns, byteFeatures.toByteArray(), inputShape)
                : new DenseFeatures(rows, columns, floatFeatures.toArray());
        Targets built;
        if (kind == TargetKind.CLASS_INDEX) {
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = (int) targets.get(i);
            }
            built = new ClassLabels(targetWidth, labels);
        } else {
            built = new RealTargets(targetWidth, targets.toArray());
        }
        return new LabeledExamples(features, built);
    }
}
