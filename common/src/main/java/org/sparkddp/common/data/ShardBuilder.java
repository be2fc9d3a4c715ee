package org.sparkddp.common.data;

import org.sparkddp.common.data.shard.ChunkWriter;
import org.sparkddp.common.data.shard.Encoding;
import org.sparkddp.common.data.shard.ShardStorage;
import org.sparkddp.common.data.shard.StoredFeatures;

/**
 * Builds one worker's shard, row by row, in the order the rows are added (ascending row order: the order
 * {@link org.sparkddp.common.plan.VirtualShards} stores a worker's rows in). Runs on an executor, where the rows
 * arrive from the file system or a shuffle; the driver never holds them.
 *
 * <p>Features are kept as unsigned bytes (images, read scaled into [0, 1]) or as floats (tabular data, already
 * normalized), in chunks with 64-bit offsets ({@link StoredFeatures}), so no shard is limited by a Java array. A
 * shard whose feature bytes exceed its {@link ShardStorage} budget is spilled once to the executor's local disk
 * and read from there. Targets (a few bytes per row) stay in memory.
 */
public final class ShardBuilder {
    private final Encoding encoding;
    private final int columns;
    private final int[] inputShape;
    private final TargetKind kind;
    private final int targetWidth;
    private final ChunkWriter features;
    private final FloatColumn targets = new FloatColumn();
    /** One float row, encoded. */
    private final byte[] encoded;
    private int rows;

    private ShardBuilder(Encoding encoding, int columns, int[] inputShape, TargetKind kind, int targetWidth,
                         ShardStorage storage) {
        this.encoding = encoding;
        this.columns = columns;
        this.inputShape = inputShape.clone();
        this.kind = kind;
        this.targetWidth = targetWidth;
        this.features = new ChunkWriter(storage);
        this.encoded = new byte[encoding == Encoding.FLOAT32 ? Math.multiplyExact(columns, Float.BYTES) : 0];
    }

    /** Images: unsigned byte features of {@code inputShape}, class labels in {@code 0..classes-1}; in memory. */
    public static ShardBuilder images(int[] inputShape, int classes) {
        return images(inputShape, classes, ShardStorage.IN_MEMORY);
    }

    /** Images, stored as {@code storage} says (in memory up to its budget, else on the executor's disk). */
    public static ShardBuilder images(int[] inputShape, int classes, ShardStorage storage) {
        int columns = Math.toIntExact(InputShape.size(inputShape));
        return new ShardBuilder(Encoding.UNSIGNED_BYTE, columns, inputShape, TargetKind.CLASS_INDEX, classes, storage);
    }

    /**
     * Tabular rows: float features, and class indices (then {@code targetWidth} is the number of classes) or
     * {@code targetWidth} real-valued targets; in memory.
     */
    public static ShardBuilder tabular(int columns, int[] inputShape, TargetKind kind, int targetWidth) {
        return tabular(columns, inputShape, kind, targetWidth, ShardStorage.IN_MEMORY);
    }

    /** Tabular rows, stored as {@code storage} says. */
    public static ShardBuilder tabular(int columns, int[] inputShape, TargetKind kind, int targetWidth,
                                       ShardStorage storage) {
        return new ShardBuilder(Encoding.FLOAT32, columns, inputShape, kind, targetWidth, storage);
    }

    /** Adds an image row: {@code columns} bytes of {@code src} from {@code offset}, and its class. */
    public void addImage(byte[] src, int offset, int label) {
        if (encoding != Encoding.UNSIGNED_BYTE) {
            throw new IllegalStateException("a tabular shard takes float rows");
        }
        features.write(src, offset, columns);
        targets.add(label);
        rows++;
    }

    /**
     * Adds a tabular row: {@code columns} floats of {@code features}, and its targets (one class index, or
     * {@code targetWidth} real values).
     */
    public void addRow(float[] row, float[] target) {
        if (encoding != Encoding.FLOAT32) {
            throw new IllegalStateException("an image shard takes byte rows");
        }
        Encoding.encodeFloats(row, 0, columns, encoded);
        features.write(encoded, 0, encoded.length);
        int width = kind == TargetKind.CLASS_INDEX ? 1 : targetWidth;
        for (int i = 0; i < width; i++) {
            targets.add(target[i]);
        }
        rows++;
    }

    public int rows() {
        return rows;
    }

    /** Whether the shard's features went to the executor's disk. */
    public boolean spilled() {
        return features.spilled();
    }

    public LabeledExamples build() {
        FeatureMatrix built = new StoredFeatures(rows, columns, inputShape, encoding, features.finish());
        Targets labels;
        if (kind == TargetKind.CLASS_INDEX) {
            int[] classes = new int[rows];
            for (int i = 0; i < rows; i++) {
                classes[i] = (int) targets.get(i);
            }
            labels = new ClassLabels(targetWidth, classes);
        } else {
            labels = new RealTargets(targetWidth, targets.toArray());
        }
        return new LabeledExamples(built, labels);
    }

    /**
     * {@code examples} stored as {@code storage} says: as they are while their features fit its budget, else with
     * their features spilled to this executor's disk. Runs on the executor that caches the shard.
     */
    public static LabeledExamples stored(LabeledExamples examples, ShardStorage storage) {
        FeatureMatrix matrix = examples.features();
        if (matrix instanceof StoredFeatures) {
            return examples; // built by a ShardBuilder, already under a storage of its own
        }
        boolean bytes = matrix instanceof UnsignedByteFeatures;
        long featureBytes = (long) matrix.rows() * matrix.columns() * (bytes ? 1 : Float.BYTES);
        if (featureBytes <= storage.budget()) {
            return examples;
        }
        ChunkWriter out = new ChunkWriter(storage);
        if (matrix instanceof UnsignedByteFeatures images) {
            out.write(images.data(), 0, images.data().length);
        } else {
            float[] row = new float[matrix.columns()];
            byte[] encoded = new byte[matrix.columns() * Float.BYTES];
            for (int r = 0; r < matrix.rows(); r++) {
                matrix.copyRow(r, row, 0);
                Encoding.encodeFloats(row, 0, row.length, encoded);
                out.write(encoded, 0, encoded.length);
            }
        }
        return new LabeledExamples(new StoredFeatures(matrix.rows(), matrix.columns(), matrix.inputShape(),
                bytes ? Encoding.UNSIGNED_BYTE : Encoding.FLOAT32, out.finish()), examples.targets());
    }
}
