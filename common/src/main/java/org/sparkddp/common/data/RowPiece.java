package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * The rows of one decoded block that go to one shard (or evaluation slice), normalized and dense, on their way
 * through a shuffle to the executor that builds that shard. Its rows are ascending and numbered from
 * {@code first}; pieces of different blocks never interleave, so a shard is its pieces sorted by {@code first}.
 *
 * @param first    the number (in the shard's numbering) of the piece's first row, its sort key
 * @param rows     the rows
 * @param features {@code rows x columns} floats
 * @param targets  {@code rows x targetWidth} floats (one class index per row, or the real targets)
 */
public record RowPiece(long first, int rows, float[] features, float[] targets) implements Serializable {
}
