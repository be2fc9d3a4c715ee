package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * A block of consecutive rows of one file, decoded, checked and not yet normalized: what an executor makes of a
 * split of a text file or a Parquet file's rows, cached (so each file is parsed once) until the shards are built.
 * Features are dense ({@code width} per row) or, for LibSVM, sparse (1-based index and value pairs, made dense
 * once the training set's feature count is known).
 */
public final class RowBlock implements Serializable {
    private static final long serialVersionUID = 1L;

    private final BlockCounts counts;
    private final int width;
    private final float[] values;
    private final int[] indices;
    private final int[] rowEnds;
    private final float[] targets;
    private final int targetWidth;

    RowBlock(BlockCounts counts, int width, float[] values, int[] indices, int[] rowEnds, float[] targets,
             int targetWidth) {
        this.counts = counts;
        this.width = width;
        this.values = values;
        this.indices = indices;
        this.rowEnds = rowEnds;
        this.targets = targets;
        this.targetWidth = targetWidth;
    }

    public BlockCounts counts() {
        return counts;
    }

    public int rows() {
        return (int) counts.rows();
    }

    /**
     * Row {@code r}'s features, dense, into {@code dst} (of {@code columns} values): a sparse row's unlisted
     * features are 0, a dense row must have {@code columns}.
     */
    public void features(int r, float[] dst, int columns) {
        if (indices == null) {
            System.arraycopy(values, r * width, dst, 0, columns);
            return;
        }
        java.util.Arrays.fill(dst, 0, columns, 0f);
        for (int k = r == 0 ? 0 : rowEnds[r - 1]; k < rowEnds[r]; k++) {
            dst[indices[k] - 1] = values[k];
        }
    }

    /** Row {@code r}'s targets (one class index, or the real values) into {@code dst}. */
    public void targets(int r, float[] dst) {
        System.arraycopy(targets, r * targetWidth, dst, 0, targetWidth);
    }

    /** Collects the rows of one block as they are decoded. Runs on an executor. */
    public static final class Builder {
        private final String file;
        private final long start;
        private final boolean sparse;
        private final int targetWidth;
        private final FloatColumn values = new FloatColumn();
        private final FloatColumn indices = new FloatColumn(); // exact below 2^24, as LibSvmRow keeps them
        private final FloatColumn rowEnds = new FloatColumn();
        private final FloatColumn targets = new FloatColumn();
        private int width = -1;
        private int maxIndex;
        private int maxLabel = -1;
        private boolean zeroOne = true;
        private long rows;

        public Builder(String file, long start, boolean sparse, int targetWidth) {
            this.file = file;
            this.start = start;
            this.sparse = sparse;
            this.targetWidth = targetWidth;
        }

        /** Adds a dense row, already checked: {@code features} and {@code target} (targetWidth values). */
        public void addDense(float[] features, int count, float[] target, boolean classIndex) {
            width = count;
            for (int i = 0; i < count; i++) {
                values.add(features[i]);
            }
            addTargets(target, classIndex);
        }

        /** Adds a sparse row, already checked: {@code count} index:value pairs, indices 1-based and increasing. */
        public void addSparse(int[] rowIndices, float[] rowValues, int count, float[] target, boolean classIndex) {
            for (int i = 0; i < count; i++) {
                indices.add(rowIndices[i]);
                values.add(rowValues[i]);
                maxIndex = Math.max(maxIndex, rowIndices[i]);
            }
            rowEnds.add(values.size());
            addTargets(target, classIndex);
        }

        private void addTargets(float[] target, boolean classIndex) {
            for (int i = 0; i < targetWidth; i++) {
                targets.add(target[i]);
                zeroOne &= target[i] == 0f || target[i] == 1f;
                if (classIndex) {
                    maxLabel = Math.max(maxLabel, (int) target[i]);
                }
            }
            rows++;
        }

        /** The width of the dense rows so far, or -1 before the first. */
        public int width() {
            return width;
        }

        /**
         * @param lines the lines the block spans (text), or 0 when {@code bad}'s lines are absolute
         */
        public RowBlock build(long lines, BadRows bad) {
            int features = rows == 0 ? -1 : sparse ? maxIndex : width;
            BlockCounts counts = new BlockCounts(file, start, rows, lines, bad.skipped(), bad.firstLine(),
                    bad.firstProblem(), maxLabel, features, zeroOne);
            int[] idx = null;
            int[] ends = null;
            if (sparse) {
                idx = new int[indices.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = (int) indices.get(i);
                }
                ends = new int[rowEnds.size()];
                for (int i = 0; i < ends.length; i++) {
                    ends[i] = (int) rowEnds.get(i);
                }
            }
            return new RowBlock(counts, width, values.toArray(), idx, ends, targets.toArray(), targetWidth);
        }
    }
}
