package org.sparkddp.worker.stage;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.nd.NioViews;

/**
 * Applies {@code data.augment} to a training minibatch in place, before its gradient is computed: each image is
 * mirrored left to right with probability 1/2 and moved by a random whole number of pixels, the uncovered edge
 * filled with 0. Runs on an executor, in the rank's task thread; the draws come from one seed per (run seed,
 * iteration, rank), as dropout's masks do, so a retried stage or a resumed run transforms the same examples the
 * same way.
 */
final class ImageAugmenter {
    /** Leaves every batch as it is. */
    static final ImageAugmenter NONE = new ImageAugmenter(Augmentation.NONE, 1, 1, 1);

    private final Augmentation augment;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] in;
    private final float[] out;

    private ImageAugmenter(Augmentation augment, int channels, int height, int width) {
        this.augment = augment;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.in = new float[channels * height * width];
        this.out = new float[channels * height * width];
    }

    /** The augmenter for inputs of {@code inputShape} ({@code [channels, height, width]} when augmenting). */
    static ImageAugmenter of(Augmentation augment, List<Integer> inputShape) {
        if (!augment.enabled()) {
            return NONE;
        }
        augment.requireFits(inputShape.stream().mapToInt(Integer::intValue).toArray());
        return new ImageAugmenter(augment, inputShape.get(0), inputShape.get(1), inputShape.get(2));
    }

    /** Transforms each row of {@code features} ({@code [n, channels * height * width]}, c order) in place. */
    void apply(INDArray features, long seed) {
        if (!augment.enabled()) {
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        FloatBuffer data = NioViews.of(features).asFloatBuffer();
        int size = in.length;
        int rows = Math.toIntExact(features.size(0));
        int s = augment.maxShift();
        for (int i = 0; i < rows; i++) {
            boolean flip = augment.horizontalFlip() && random.nextBoolean();
            int dy = s > 0 ? random.nextInt(-s, s + 1) : 0;
            int dx = s > 0 ? random.nextInt(-s, s + 1) : 0;
            if (!flip && dx == 0 && dy == 0) {
                continue;
            }
            data.get(i * size, in);
            transform(in, out, channels, height, width, flip, dy, dx);
            data.put(i * size, out);
        }
    }

    /**
     * {@code out(c, y, x) = in(c, y - dy, x')} with {@code x' = x - dx}, mirrored ({@code width - 1 - x'}) when
     * {@code flip}; 0 where {@code (y - dy, x - dx)} falls outside the image.
     */
    static void transform(float[] in, float[] out, int channels, int height, int width, boolean flip, int dy,
                          int dx) {
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = y - dy;
                int row = plane + y * width;
                if (sy < 0 || sy >= height) {
                    java.util.Arrays.fill(out, row, row + width, 0f);
                    continue;
                }
                int source = plane + sy * width;
                for (int x = 0; x < width; x++) {
                    int sx = x - dx;
                    out[row + x] = sx < 0 || sx >= width ? 0f : in[source + (flip ? width - 1 - sx : sx)];
                }
            }
        }
    }
}
