package org.sparkddp.worker.engine;

/**
 * One example's activations between two engine layers: a feature vector ({@code image} false, {@code channels}
 * features) or an image of {@code channels x height x width}.
 *
 * <p>Layout across a batch of {@code n}: vectors row by row ({@code [n, features]}, as DL4J's dense layers); images
 * in the compiled network's {@link ImageLayout}: channel-major ({@code [channels, n, height, width]}, so that the
 * Java convolution is one matrix product over the whole batch and batch norm's per-channel sums run over contiguous
 * memory; the flatten step converts to DL4J's {@code [n, channels * height * width]} order), or NCHW for oneDNN's
 * kernels (already DL4J's order).
 */
record Shape(boolean image, int channels, int height, int width) {
    static Shape vector(int features) {
        return new Shape(false, features, 1, 1);
    }

    static Shape image(int channels, int height, int width) {
        return new Shape(true, channels, height, width);
    }

    /** Floats per example. */
    int size() {
        return channels * height * width;
    }

    /** Floats per channel per example (1 for a vector). */
    int plane() {
        return height * width;
    }

    @Override
    public String toString() {
        return image ? channels + "x" + height + "x" + width : Integer.toString(channels);
    }
}
