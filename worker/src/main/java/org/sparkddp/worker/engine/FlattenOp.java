package org.sparkddp.worker.engine;

/**
 * Between the engine's channel-major image layout ({@code [channels, n, height, width]}) and DL4J's flat rows
 * ({@code [n, channels * height * width]}, what {@code CnnToFeedForwardPreProcessor} makes). {@code toRows} false is
 * the inverse, for images that arrive as rows with more than one channel. Runs on an executor.
 */
final class FlattenOp implements EngineLayer {
    private final Shape image;
    private final boolean toRows;

    FlattenOp(Shape image, boolean toRows) {
        this.image = image;
        this.toRows = toRows;
    }

    @Override
    public Shape out() {
        return toRows ? Shape.vector(image.size()) : image;
    }

    @Override
    public void forward(NativeFloats in, NativeFloats out, int n, boolean training) {
        permute(in, out, n, toRows);
    }

    @Override
    public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn != null) {
            permute(gradOut, gradIn, n, !toRows);
        }
    }

    private void permute(NativeFloats from, NativeFloats to, int n, boolean channelMajorToRows) {
        int plane = image.plane();
        int channels = image.channels();
        var x = from.data;
        var y = to.data;
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                int major = (c * n + i) * plane;
                int row = (i * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    if (channelMajorToRows) {
                        y.put(row + p, x.get(major + p));
                    } else {
                        y.put(major + p, x.get(row + p));
                    }
                }
            }
        }
    }
}
