package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * One decoded block's part of a training set's statistics, once its rows are numbered: how many rows the
 * validation hold-out keeps and holds out, the kept rows' feature statistics, and the row the hold-out hash ranks
 * first (held out where the hash holds out none). Computed on an executor, merged on the driver.
 *
 * @param key          the block's identity (file and start)
 * @param smallestRow  the block's row with the smallest hold-out hash, or -1 without a hold-out
 * @param smallestUnit that row's hash in [0, 1)
 */
public record BlockStats(String key, long kept, long held, FeatureStats stats, long smallestRow,
                         double smallestUnit) implements Serializable {
}
