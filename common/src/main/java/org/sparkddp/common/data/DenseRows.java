package org.sparkddp.common.data;

import java.util.HashMap;
import java.util.Map;
import org.sparkddp.common.error.InvalidDataException;

/**
 * Builds a {@link TabularFile} from rows handed over one at a time, already split into features and a target
 * (the rows of a DataFrame), checking each as the text readers check theirs: a null, a NaN or infinite number, a
 * row whose width differs from the first one, or a class label that is no class, is a bad row, named by its file
 * and 1-based row. Runs on the driver.
 */
public final class DenseRows {
    private final String name;
    private final ReadOptions options;
    private final Map<String, BadRows> badByFile = new HashMap<>();
    private final TargetColumns targets;
    private final FloatColumn features = new FloatColumn();
    private final float[] target = new float[1];
    private int width = -1;
    private int rows;

    /**
     * @param name    the dataset's path or table, for messages about it as a whole
     * @param options how targets are read, what a bad row does, and what the training set fixed
     */
    public DenseRows(String name, ReadOptions options) {
        this.name = name;
        this.options = options;
        this.targets = new TargetColumns(options, 1);
    }

    /**
     * Adds one row, or rejects it.
     *
     * @param file     the file it came from
     * @param row      its 1-based position in that file
     * @param values   its features, or null when the column was null
     * @param label    its label or target, or null when the column was null
     */
    public void add(String file, long row, float[] values, Double label) {
        BadRows bad = badByFile.computeIfAbsent(file, f -> new BadRows(f, options.onBadRow()));
        int expected = width >= 0 ? width : options.knownFeatures() > 0 ? options.knownFeatures() : -1;
        Float value = RowCheck.label(bad, row, values, label, expected,
                width >= 0 ? "the first row" : "the training set");
        if (value == null) {
            return;
        }
        if (!targets.accept(value, row, bad)) {
            return;
        }
        width = values.length;
        for (float v : values) {
            features.add(v);
        }
        target[0] = value;
        targets.add(target);
        rows++;
    }

    /** The rows added, as read (not yet normalized). */
    public TabularFile build() {
        long skipped = badByFile.values().stream().mapToLong(BadRows::skipped).sum();
        if (rows == 0) {
            throw new InvalidDataException(name, "holds no examples" + (skipped > 0
                    ? " (all " + skipped + " rows were bad and skipped)" : ""));
        }
        if (width == 0) {
            throw new InvalidDataException(name, "has no features (every feature row is empty)");
        }
        return new TabularFile(new LabeledExamples(new DenseFeatures(rows, width, features.toArray()),
                targets.build(name)), skipped);
    }
}
