package org.sparkddp.common.data;

/**
 * Some images of an IDX file with their indices in it, ascending: what an executor that read one split of the
 * file sends, through a Spark shuffle, to the executor that builds the shard those images belong to.
 *
 * @param indices the images' positions in the file
 * @param pixels  their bytes, {@code indices.length} images of equal size, in the same order
 */
public record IndexedImages(int[] indices, byte[] pixels) {
    public IndexedImages {
        if (indices.length == 0 || pixels.length % indices.length != 0) {
            throw new IllegalArgumentException(pixels.length + " bytes do not hold " + indices.length + " images");
        }
    }

    public int count() {
        return indices.length;
    }
}
