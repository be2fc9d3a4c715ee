package org.sparkddp.common.data;

import java.io.Serializable;

/**
 * What one decoded block of a file tells the driver: its size does not grow with the rows. The driver sorts the
 * blocks by {@code (file, start)} and prefix-sums {@code rows} into each block's first row number, so a row's
 * number depends on its file and its position there, never on how Spark split the files.
 *
 * @param file         the file's path or URI
 * @param start        where the block starts in the file: a byte offset (text) or a row position (Parquet)
 * @param rows         the valid rows
 * @param lines        the lines the block spans, blank and header lines included (text; the driver adds those of
 *                     the file's earlier blocks to name a line), or 0 where {@code firstBadLine} is absolute
 * @param bad          the bad rows left out
 * @param firstBadLine the first bad row's line: within the block (1-based) for text, in the file for Parquet; 0
 *                     for none
 * @param firstBadProblem why it is bad, or null
 * @param maxLabel     the largest class label of a valid row, or -1
 * @param features     the features of a valid row (CSV, Parquet), or the largest LibSVM index; -1 for no rows
 * @param zeroOne      whether every target is 0 or 1 (a one-column real target then gets binary metrics)
 */
public record BlockCounts(String file, long start, long rows, long lines, long bad, long firstBadLine,
                          String firstBadProblem, int maxLabel, int features, boolean zeroOne)
        implements Serializable {
    /** Where the block's first bad row is, in the file, once the lines of the file's earlier blocks are known. */
    public String badRowPlace(long linesBefore) {
        return file + ":" + (linesBefore + firstBadLine);
    }
}
