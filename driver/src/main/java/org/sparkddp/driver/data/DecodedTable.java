package org.sparkddp.driver.data;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.sparkddp.common.config.BadRowPolicy;
import org.sparkddp.common.data.BlockCounts;
import org.sparkddp.common.data.RowBlock;
import org.sparkddp.common.error.InvalidDataException;

/**
 * A dataset the executors decoded ({@link BlockReads}), as the driver knows it after one count job: each block's
 * counts (their number grows with the blocks, not the rows), in the order of their files' paths and then their
 * place in the file, and from their prefix sums each block's first row number. So the rows of one file, seven
 * files or one file read in many splits get the same numbers. Built on the driver.
 */
final class DecodedTable {
    private final String location;
    private final JavaRDD<RowBlock> blocks;
    private final List<BlockCounts> ordered;
    private final Map<String, Long> firstRows;
    private final long rows;

    private DecodedTable(String location, JavaRDD<RowBlock> blocks, List<BlockCounts> ordered) {
        this.location = location;
        this.blocks = blocks;
        this.ordered = ordered;
        this.firstRows = new HashMap<>();
        long row = 0;
        for (BlockCounts b : ordered) {
            firstRows.put(key(b), row);
            row += b.rows();
        }
        this.rows = row;
    }

    /** The identity of a block, the same on the driver and the executors. */
    static String key(BlockCounts block) {
        return block.start() + "@" + block.file();
    }

    /**
     * Runs the count job (which decodes and caches every block) and checks the result: under
     * {@code data.on-bad-row = fail} the first bad row in row order is an error naming its {@code file:line}.
     */
    static DecodedTable count(JavaRDD<RowBlock> blocks, String location, BadRowPolicy onBadRow) {
        blocks.context().setJobDescription("decode and count " + location);
        List<BlockCounts> counts;
        try {
            counts = new ArrayList<>(blocks.map(RowBlock::counts).collect());
        } finally {
            blocks.context().setJobDescription(null);
        }
        counts.sort(Comparator.comparing(BlockCounts::file).thenComparingLong(BlockCounts::start));
        DecodedTable table = new DecodedTable(location, blocks, List.copyOf(counts));
        if (onBadRow == BadRowPolicy.FAIL) {
            table.failOnFirstBadRow();
        }
        if (table.rows == 0) {
            long skipped = table.skipped();
            throw new InvalidDataException(location, "holds no examples" + (skipped > 0
                    ? " (all " + skipped + " rows were bad and skipped)" : ""));
        }
        return table;
    }

    private void failOnFirstBadRow() {
        Map<String, Long> linesBefore = new HashMap<>();
        for (BlockCounts b : ordered) {
            long before = linesBefore.getOrDefault(b.file(), 0L);
            if (b.bad() > 0) {
                throw new InvalidDataException(b.badRowPlace(before), b.firstBadProblem());
            }
            linesBefore.put(b.file(), before + b.lines());
        }
    }

    String location() {
        return location;
    }

    JavaRDD<RowBlock> blocks() {
        return blocks;
    }

    /** The blocks' counts in row order. */
    List<BlockCounts> ordered() {
        return ordered;
    }

    /** The valid rows. */
    long rows() {
        return rows;
    }

    /** The first row number of each block, by {@link #key}: captured by the executors' closures. */
    Map<String, Long> firstRows() {
        return Map.copyOf(firstRows);
    }

    long skipped() {
        return ordered.stream().mapToLong(BlockCounts::bad).sum();
    }

    int maxLabel() {
        return ordered.stream().mapToInt(BlockCounts::maxLabel).max().orElse(-1);
    }

    boolean zeroOne() {
        return ordered.stream().allMatch(BlockCounts::zeroOne);
    }

    /**
     * The features per row: for dense rows, what every block agrees on (a file whose rows are wider than the
     * first file's is named); for LibSVM, the largest index.
     */
    int features(boolean sparse) {
        int features = -1;
        String first = null;
        for (BlockCounts b : ordered) {
            if (b.features() < 0) {
                continue;
            }
            if (sparse) {
                features = Math.max(features, b.features());
            } else if (features < 0) {
                features = b.features();
                first = b.file();
            } else if (b.features() != features) {
                throw new InvalidDataException(b.file(), "has " + b.features() + " features per row but "
                        + first + " has " + features);
            }
        }
        if (features <= 0) {
            throw new InvalidDataException(location, sparse ? "has no feature in any row (no index:value pairs)"
                    : "has no features (every feature row is empty)");
        }
        return features;
    }
}
