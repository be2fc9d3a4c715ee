package org.sparkddp.driver.data;

import java.io.Serializable;
import java.util.Comparator;
import org.apache.spark.Partitioner;
import org.sparkddp.common.data.PieceKey;

/** How the shuffle places and orders {@link PieceKey}s: each piece to its owner's partition, by first row there. */
final class PieceOrder {
    /** Within a partition (one owner), by first row. */
    static final Comparator<PieceKey> ORDER = (Comparator<PieceKey> & Serializable) (a, b) -> {
        int byOwner = Integer.compare(a.owner(), b.owner());
        return byOwner != 0 ? byOwner : Long.compare(a.first(), b.first());
    };

    private PieceOrder() {
    }

    /** A piece goes to its owner's partition. */
    static final class ByOwner extends Partitioner {
        private final int parts;

        ByOwner(int parts) {
            this.parts = parts;
        }

        @Override
        public int numPartitions() {
            return parts;
        }

        @Override
        public int getPartition(Object key) {
            return ((PieceKey) key).owner();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof ByOwner o && o.parts == parts;
        }

        @Override
        public int hashCode() {
            return parts;
        }
    }
}
