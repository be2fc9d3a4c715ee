package org.sparkddp.worker.engine;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.DropOutInverted;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout with DL4J's own masks: the mask is drawn by the same ND4J op, from the same per-thread generator,
 * in the same order and shape as DL4J's {@code Dropout.applyDropout} draws it (ones, then {@code DropOutInverted}
 * with the retain probability, giving 0 or {@code 1/p}), so a worker drops exactly the units DL4J would on the same
 * seed. Images are masked in DL4J's {@code [n, channels, height, width]} order, and applied through the permutation
 * in the channel-major layout. Runs on an executor.
 */
final class DropoutOp implements EngineLayer {
    private final Shape shape;
    private final double retain;
    /** Images in the channel-major layout, masked through the permutation; otherwise the mask is in order. */
    private final boolean channelMajor;
    private INDArray mask;
    private NativeFloats maskView;

    /** @param retain DL4J's {@code p}: the probability of keeping a unit */
    DropoutOp(Shape shape, double retain, ImageLayout layout) {
        this.shape = shape;
        this.retain = retain;
        this.channelMajor = shape.image() && layout == ImageLayout.CHANNEL_MAJOR;
    }

    @Override
    public Shape out() {
        return shape;
    }

    @Override
    public void forward(NativeFloats in, NativeFloats out, int n, boolean training) {
        int count = n * shape.size();
        if (!training) {
            Activation.IDENTITY.forward(in, out, count, 0);
            return;
        }
        drawMask(n);
        multiply(in, out, n);
    }

    @Override
    public void backward(NativeFloats in, NativeFloats out, NativeFloats gradOut, NativeFloats gradIn, int n) {
        if (gradIn != null) {
            multiply(gradOut, gradIn, n);
        }
    }

    private void drawMask(int n) {
        long[] dims = shape.image() ? new long[] {n, shape.channels(), shape.height(), shape.width()}
                : new long[] {n, shape.size()};
        if (mask == null || mask.size(0) != n) {
            mask = Nd4j.createUninitialized(DataType.FLOAT, dims, 'c');
            maskView = NativeFloats.of(mask);
        }
        mask.assign(1.0);
        Nd4j.getExecutioner().exec(new DropOutInverted(mask, mask, retain));
    }

    /** {@code to = from * mask}, the mask read in DL4J's example-major order. */
    private void multiply(NativeFloats from, NativeFloats to, int n) {
        var m = maskView.data;
        var x = from.data;
        var y = to.data;
        if (!channelMajor) {
            int count = n * shape.size();
            for (int i = 0; i < count; i++) {
                y.put(i, x.get(i) * m.get(i));
            }
            return;
        }
        int plane = shape.plane();
        int channels = shape.channels();
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < n; i++) {
                int at = (c * n + i) * plane;
                int maskAt = (i * channels + c) * plane;
                for (int p = 0; p < plane; p++) {
                    y.put(at + p, x.get(at + p) * m.get(maskAt + p));
                }
            }
        }
    }
}
