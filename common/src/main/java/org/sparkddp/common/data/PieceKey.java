package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * The shuffle key of a piece of decoded rows on its way to a shard: the partition that builds the shard (its
 * owner) and the piece's first row number, by which Spark's shuffle sorts each partition, spilling to disk as it
 * must, so the builder receives the rows in ascending order without holding them. Made on executors.
 *
 * @param owner the partition (worker's shard, or evaluation slice) the rows go to
 * @param first the row number of the piece's first row
 */
public record PieceKey(int owner, long first) implements Serializable {
}
