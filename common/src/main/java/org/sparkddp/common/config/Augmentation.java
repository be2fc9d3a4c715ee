package org.sparkddp.common.config;

import java.io.Serializable;
import java.util.Arrays;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * The {@code data.augment} section: random transformations of the training images, drawn anew for every example
 * of every iteration; evaluation always sees the images as they are. Built on the driver, applied on the
 * executors ({@code org.sparkddp.worker.stage.ImageAugmenter}).
 *
 * @param horizontalFlip mirror each image left to right with probability 1/2 ({@code data.augment.horizontal-flip})
 * @param maxShift       move each image by a whole number of pixels drawn from {@code [-maxShift, maxShift]},
 *                       down and right independently, filling with 0 ({@code data.augment.max-shift})
 */
public record Augmentation(boolean horizontalFlip, int maxShift) implements Serializable {
    public static final Augmentation NONE = new Augmentation(false, 0);

    public Augmentation {
        if (maxShift < 0) {
            throw new InvalidConfigException("data.augment.max-shift", "must be 0 or more but got " + maxShift);
        }
    }

    /** Whether any transformation is on. */
    public boolean enabled() {
        return horizontalFlip || maxShift > 0;
    }

    /**
     * Checks, on the driver once the inputs' shape is known, that the transformations apply to it: images
     * ({@code [channels, height, width]}), and a shift smaller than half of the smaller side.
     */
    public void requireFits(int[] inputShape) {
        if (!enabled()) {
            return;
        }
        String key = horizontalFlip ? "data.augment.horizontal-flip" : "data.augment.max-shift";
        if (inputShape.length != 3) {
            throw new InvalidConfigException(key, "applies to images ([channels, height, width] inputs) but the"
                    + " inputs are " + Arrays.toString(inputShape) + "; set data.columns.shape for images stored as"
                    + " flat rows, or turn data.augment off");
        }
        int side = Math.min(inputShape[1], inputShape[2]);
        if (2 * maxShift >= side) {
            throw new InvalidConfigException("data.augment.max-shift", "must be less than half of the images' smaller"
                    + " side (" + side + ") but got " + maxShift);
        }
    }

    static Augmentation read(TypedReader r) {
        return new Augmentation(r.bool("data.augment.horizontal-flip"), r.integer("data.augment.max-shift"));
    }
}
