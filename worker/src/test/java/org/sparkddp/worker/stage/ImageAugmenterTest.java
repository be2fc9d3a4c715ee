package org.sparkddp.worker.stage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkddp.common.config.Augmentation;
import org.sparkddp.common.error.InvalidConfigException;

/**
 * data.augment on a minibatch: the transformation itself pixel by pixel, the draws (reproducible from the seed,
 * both directions of each shift, about half of the images flipped), and the settings that cannot apply.
 */
class ImageAugmenterTest {
    /** One channel, 3 rows of 4: value 10 * row + column + 1. */
    private static final float[] IMAGE = {1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24};

    @Test
    void transformMovesAndMirrorsEachPlane() {
        float[] out = new float[12];
        ImageAugmenter.transform(IMAGE, out, 1, 3, 4, false, 1, -1);
        assertArrayEquals(new float[] {0, 0, 0, 0, 2, 3, 4, 0, 12, 13, 14, 0}, out, "down 1, left 1");
        ImageAugmenter.transform(IMAGE, out, 1, 3, 4, true, 0, 0);
        assertArrayEquals(new float[] {4, 3, 2, 1, 14, 13, 12, 11, 24, 23, 22, 21}, out, "mirrored");
        ImageAugmenter.transform(IMAGE, out, 1, 3, 4, true, -1, 2);
        assertArrayEquals(new float[] {0, 0, 14, 13, 0, 0, 24, 23, 0, 0, 0, 0}, out, "mirrored, then up 1, right 2");
        float[] two = new float[24];
        float[] twoOut = new float[24];
        for (int i = 0; i < 12; i++) {
            two[i] = IMAGE[i];
            two[12 + i] = -IMAGE[i];
        }
        ImageAugmenter.transform(two, twoOut, 2, 3, 4, true, 0, 0);
        assertArrayEquals(new float[] {4, 3, 2, 1, 14, 13, 12, 11, 24, 23, 22, 21, -4, -3, -2, -1, -14, -13, -12, -11,
                -24, -23, -22, -21}, twoOut, "each channel the same way");
    }

    private static INDArray batch(int rows) {
        INDArray features = Nd4j.create(DataType.FLOAT, new long[] {rows, 12}, 'c');
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < 12; i++) {
                features.putScalar(r, i, IMAGE[i]);
            }
        }
        return features;
    }

    @Test
    void drawsAreReproducibleAndCoverEveryTransformation() {
        ImageAugmenter augmenter = ImageAugmenter.of(new Augmentation(true, 1), List.of(1, 3, 4));
        INDArray a = batch(400);
        INDArray b = batch(400);
        INDArray c = batch(400);
        augmenter.apply(a, 7);
        augmenter.apply(b, 7);
        augmenter.apply(c, 8);
        assertEquals(a, b, "the same seed, the same transformations");
        assertFalse(a.equals(c), "another seed, other transformations");
        Set<String> seen = new HashSet<>();
        int flipped = 0;
        float[] out = new float[12];
        for (int r = 0; r < 400; r++) {
            float[] row = a.getRow(r).toFloatVector();
            String found = null;
            for (boolean flip : new boolean[] {false, true}) {
                for (int dy = -1; dy <= 1 && found == null; dy++) {
                    for (int dx = -1; dx <= 1 && found == null; dx++) {
                        ImageAugmenter.transform(IMAGE, out, 1, 3, 4, flip, dy, dx);
                        if (java.util.Arrays.equals(out, row)) {
                            found = flip + " " + dy + " " + dx;
                            flipped += flip ? 1 : 0;
                        }
                    }
                }
            }
            assertTrue(found != null, "row " + r + " is no flip and shift of the image");
            seen.add(found);
        }
        assertEquals(18, seen.size(), "every flip and shift drawn: " + seen);
        assertTrue(flipped > 150 && flipped < 250, flipped + " of 400 flipped");
    }

    @Test
    void noneLeavesTheBatchAsItIs() {
        INDArray features = batch(5);
        ImageAugmenter.of(Augmentation.NONE, List.of(12)).apply(features, 7);
        assertEquals(batch(5), features);
    }

    @Test
    void settingsThatCannotApplyNameTheirKey() {
        assertEquals("data.augment.max-shift", assertThrows(InvalidConfigException.class,
                () -> new Augmentation(false, -1)).key());
        assertEquals("data.augment.horizontal-flip", assertThrows(InvalidConfigException.class,
                () -> new Augmentation(true, 0).requireFits(new int[] {784})).key());
        assertEquals("data.augment.max-shift", assertThrows(InvalidConfigException.class,
                () -> new Augmentation(false, 2).requireFits(new int[] {784})).key());
        InvalidConfigException tooFar = assertThrows(InvalidConfigException.class,
                () -> new Augmentation(false, 14).requireFits(new int[] {1, 28, 28}));
        assertTrue(tooFar.getMessage().contains("less than half of the images' smaller side (28) but got 14"),
                tooFar.getMessage());
        new Augmentation(true, 13).requireFits(new int[] {1, 28, 28});
        Augmentation.NONE.requireFits(new int[] {784});
    }
}
