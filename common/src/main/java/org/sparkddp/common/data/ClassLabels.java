package org.sparkddp.common.data;

/**
 * One class index per example, each in {@code [0, numClasses)}; encoded one-hot.
 *
 * @param numClasses number of classes (the output layer's width)
 * @param labels     class index of each example
 */
public record ClassLabels(int numClasses, int[] labels) implements Targets {
    public ClassLabels {
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be > 0 but got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i
                        + " is outside 0.." + (numClasses - 1));
            }
        }
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int width() {
        return numClasses;
    }

    @Override
    public void encode(int row, float[] dst, int offset) {
        java.util.Arrays.fill(dst, offset, offset + numClasses, 0f);
        dst[offset + labels[row]] = 1f;
    }

    @Override
    public ClassLabels select(int[] selected) {
        int[] out = new int[selected.length];
        for (int i = 0; i < selected.length; i++) {
            out[i] = labels[selected[i]];
        }
        return new ClassLabels(numClasses, out);
    }
}
