package org.sparkddp.driver.data;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sparkddp.common.data.BlockCounts;
import org.sparkddp.common.data.BlockStats;
import org.sparkddp.common.data.FeatureStats;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.plan.HoldOut;

/**
 * The second pass over a training table's cached blocks, once their row numbers are known: per block, how many
 * rows {@link HoldOut.Rule} keeps and holds out, and the normalization statistics of the kept rows alone (so
 * validation rows never leak into the scaling). The driver merges the blocks in row order; what comes back grows
 * with the blocks and the features, not the rows.
 *
 * @param rule   the hold-out rule, forced to hold out one row where the hash held out none
 * @param kept   rows kept for training, by block key ({@link DecodedTable#key})
 * @param held   rows held out, by block key
 * @param stats  the kept rows' feature statistics, merged in row order
 */
record TableStats(HoldOut.Rule rule, Map<String, Long> kept, Map<String, Long> held, FeatureStats stats) {

    /** Runs the pass; a second one only in the rare case that the rule holds out no row at all. */
    static TableStats of(DecodedTable table, HoldOut.Rule rule, int columns) {
        TableStats stats = pass(table, rule, columns);
        if (rule.any() && stats.held.values().stream().mapToLong(Long::longValue).sum() == 0) {
            return pass(table, rule.forcing(smallest(table, rule, columns)), columns);
        }
        return stats;
    }

    private static TableStats pass(DecodedTable table, HoldOut.Rule rule, int columns) {
        List<BlockStats> blocks = collect(table, rule, columns);
        Map<String, BlockStats> byKey = new HashMap<>();
        blocks.forEach(b -> byKey.put(b.key(), b));
        Map<String, Long> kept = new HashMap<>();
        Map<String, Long> held = new HashMap<>();
        FeatureStats merged = new FeatureStats(columns);
        for (BlockCounts counts : table.ordered()) { // NOTE: merged in row order, whatever order tasks finished
            BlockStats b = byKey.get(DecodedTable.key(counts));
            kept.put(b.key(), b.kept());
            held.put(b.key(), b.held());
            merged.merge(b.stats());
        }
        return new TableStats(rule, kept, held, merged);
    }

    private static long smallest(DecodedTable table, HoldOut.Rule rule, int columns) {
        BlockStats best = null;
        for (BlockStats b : collect(table, rule, columns)) {
            if (b.smallestRow() >= 0 && (best == null || b.smallestUnit() < best.smallestUnit())) {
                best = b;
            }
        }
        return best == null ? -1 : best.smallestRow();
    }

    private static List<BlockStats> collect(DecodedTable table, HoldOut.Rule rule, int columns) {
        Map<String, Long> firstRows = table.firstRows();
        table.blocks().context().setJobDescription("statistics of " + table.location());
        try {
            return table.blocks().map(block -> blockStats(block, firstRows, rule, columns)).collect();
        } finally {
            table.blocks().context().setJobDescription(null);
        }
    }

    /** Runs on an executor. */
    private static BlockStats blockStats(RowBlock block, Map<String, Long> firstRows, HoldOut.Rule rule,
                                         int columns) {
        String key = DecodedTable.key(block.counts());
        long first = firstRows.get(key);
        FeatureStats stats = new FeatureStats(columns);
        float[] row = new float[columns];
        long kept = 0;
        long held = 0;
        long smallestRow = -1;
        double smallestUnit = 2;
        for (int i = 0; i < block.rows(); i++) {
            long global = first + i;
            if (rule.any() && rule.unit(global) < smallestUnit) {
                smallestUnit = rule.unit(global);
                smallestRow = global;
            }
            if (rule.held(global)) {
                held++;
                continue;
            }
            kept++;
            block.features(i, row, columns);
            stats.add(row, 0);
        }
        return new BlockStats(key, kept, held, stats, smallestRow, smallestUnit);
    }
}
